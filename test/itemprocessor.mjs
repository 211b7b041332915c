// Runs a state machine on aws-local-stepfunctions with every Task state sent
// to a Lambda handler served over HTTP, as Step Functions' lambda:invoke
// integration would invoke the function, and prints the outcome as JSON.
//
// Input (stdin, JSON):
//   {"definition": {...StartAt, States...}, "input": {...}, "handlerURL": "http://..."}
// Output (stdout, JSON):
//   {"status": "SUCCEEDED"|"FAILED", "output": ..., "error": "...", "cause": "...",
//    "events": [{"type": "...", "state": "...", "error": "...", "cause": "..."}]}
//
// The handler answers as Lambda's Invoke API does: status 200 with the
// function's result, or status 200 with an X-Amz-Function-Error header and
// the runtime's error object {"errorType", "errorMessage"}. Like the
// integration, the local Task handler turns a function error into a task
// error named by its errorType, with the error object as the cause, and a
// result into {"ExecutedVersion", "Payload", "StatusCode"}.
//
// Retry waits are set to zero with the engine's retryIntervalOverrides: the
// definition's retriers (errors matched, MaxAttempts) apply unchanged, only
// the time between attempts is skipped.

// aws-local-stepfunctions 3.0.0 declares Node >= 22 for one API,
// Promise.withResolvers; on older Node it is defined here before the
// package is loaded.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const { StateMachine } = await import('aws-local-stepfunctions');

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

// invoke calls the handler with the Task's effective input, the
// lambda:invoke parameters {FunctionName, Payload}.
async function invoke(handlerURL, params) {
  const res = await fetch(handlerURL, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Function-Name': String(params.FunctionName) },
    body: JSON.stringify(params.Payload ?? {}),
  });
  const text = await res.text();
  if (res.status !== 200) {
    const err = new Error(`invoke ${params.FunctionName}: HTTP ${res.status}: ${text}`);
    err.name = 'Lambda.ServiceException';
    throw err;
  }
  const body = text === '' ? null : JSON.parse(text);
  if (res.headers.get('x-amz-function-error')) {
    const err = new Error(text);
    err.name = body.errorType;
    throw err;
  }
  return { ExecutedVersion: '$LATEST', Payload: body, StatusCode: 200 };
}

const job = JSON.parse(await readStdin());
const taskHandlers = {};
const retryIntervalOverrides = {};
for (const [name, state] of Object.entries(job.definition.States)) {
  if (state.Type === 'Task') {
    taskHandlers[name] = (input) => invoke(job.handlerURL, input);
  }
  if (state.Retry) {
    retryIntervalOverrides[name] = 0;
  }
}

const machine = new StateMachine(job.definition);
const execution = machine.run(job.input, {
  overrides: { taskResourceLocalHandlers: taskHandlers, retryIntervalOverrides },
});
const events = [];
const collected = (async () => {
  for await (const ev of execution.eventLogs) {
    events.push({
      type: ev.type,
      state: ev.state?.name,
      error: ev.Error,
      cause: typeof ev.Cause === 'string' ? ev.Cause : ev.Cause?.message,
    });
  }
})();

const outcome = {};
try {
  outcome.output = await execution.result;
  outcome.status = 'SUCCEEDED';
} catch (err) {
  const failure = err.cause ?? err;
  outcome.status = 'FAILED';
  outcome.error = failure.name;
  outcome.cause = failure.message;
}
await collected;
outcome.events = events;
process.stdout.write(JSON.stringify(outcome) + '\n');
