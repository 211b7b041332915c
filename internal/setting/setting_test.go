package setting

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type sample struct {
	Name     string        `env:"NAME,required,notEmpty" want:"a name"`
	Items    []string      `env:"ITEMS" envDefault:"a,b"`
	Count    int           `env:"COUNT" envDefault:"4" want:"a whole number"`
	Share    float64       `env:"SHARE" envDefault:"90"`
	On       bool          `env:"ON" envDefault:"true"`
	Wait     time.Duration `env:"WAIT" envDefault:"1h"`
	Optional string        `env:"OPTIONAL"`
	Region   string        `env:"AWS_REGION"`
}

func TestEnvironmentRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   sample
		want map[string]string
	}{
		{name: "defaults only", in: func() sample { s := Defaults[sample](); s.Name = "x"; return s }(), want: map[string]string{"NAME": "x"}},
		{name: "everything changed", in: sample{Name: "x", Items: []string{"c", "d"}, Count: 2, Share: 87.5, On: false, Wait: 15 * time.Minute, Optional: "o", Region: "eu-west-1"},
			want: map[string]string{"NAME": "x", "ITEMS": "c,d", "COUNT": "2", "SHARE": "87.5", "ON": "false", "WAIT": "15m0s", "OPTIONAL": "o"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := Environment(tt.in)
			if diff := cmp.Diff(tt.want, env); diff != "" {
				t.Errorf("Environment() (-want +got):\n%s", diff)
			}
			got, err := Parse[sample](Lookup(env))
			if err != nil {
				t.Fatalf("Parse(Environment()) error: %v", err)
			}
			want := tt.in
			want.Region = "" // the runtime's, never rendered
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(sample{})); diff != "" {
				t.Errorf("Parse(Environment()) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNames(t *testing.T) {
	want := []string{"NAME", "ITEMS", "COUNT", "SHARE", "ON", "WAIT", "OPTIONAL", "AWS_REGION"}
	if diff := cmp.Diff(want, Names[sample]()); diff != "" {
		t.Errorf("Names() (-want +got):\n%s", diff)
	}
}

func TestParseErrorsNameTheVariable(t *testing.T) {
	_, err := Parse[sample](Lookup(map[string]string{"COUNT": "four"}))
	if err == nil {
		t.Fatal("Parse() = nil error, want NAME missing and COUNT unreadable")
	}
	for _, want := range []string{"NAME is not set; want a name", "COUNT: cannot read it; want a whole number"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Parse() error = %q, want it to say %q", err, want)
		}
	}
	if _, err := Parse[sample](Lookup(map[string]string{"NAME": ""})); err == nil || !strings.Contains(err.Error(), "NAME is empty") {
		t.Errorf("Parse(NAME=) error = %v, want NAME is empty", err)
	}
}

func TestLists(t *testing.T) {
	if diff := cmp.Diff([]string{"a", "b"}, SplitList(" a, ,b ,")); diff != "" {
		t.Errorf("SplitList() (-want +got):\n%s", diff)
	}
	if got := SplitList(" , "); got != nil {
		t.Errorf("SplitList(\" , \") = %q, want nil", got)
	}
	if d, ok := FirstDuplicate([]string{"eu-west-1", "us-east-1", "eu-west-1"}); !ok || d != "eu-west-1" {
		t.Errorf("FirstDuplicate() = %q, %v, want eu-west-1, true", d, ok)
	}
	if _, ok := FirstDuplicate([]string{"a", "b"}); ok {
		t.Error("FirstDuplicate(a, b) found one")
	}
}
