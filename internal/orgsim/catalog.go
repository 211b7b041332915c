package orgsim

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// ruleTemplate is a Config rule the generator can deploy. The managed rules
// are real AWS managed rules (name, identifier and scope as AWS publishes
// them); the custom ones stand in for an organization's own rules.
type ruleTemplate struct {
	name         string
	owner        string
	identifier   string // managed rule identifier; Lambda function name for CUSTOM_LAMBDA
	resourceType string
	description  string
	annotation   string // annotation on NON_COMPLIANT results, "" for none
}

var catalog = []ruleTemplate{
	{"s3-bucket-versioning-enabled", OwnerAWS, "S3_BUCKET_VERSIONING_ENABLED", "AWS::S3::Bucket", "Checks if versioning is enabled for your S3 buckets.", ""},
	{"s3-bucket-server-side-encryption-enabled", OwnerAWS, "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", "AWS::S3::Bucket", "Checks if your Amazon S3 bucket either has the Amazon S3 default encryption enabled or that the Amazon S3 bucket policy explicitly denies put-object requests without server side encryption.", ""},
	{"s3-bucket-public-read-prohibited", OwnerAWS, "S3_BUCKET_PUBLIC_READ_PROHIBITED", "AWS::S3::Bucket", "Checks if your Amazon S3 buckets do not allow public read access.", ""},
	{"s3-bucket-logging-enabled", OwnerAWS, "S3_BUCKET_LOGGING_ENABLED", "AWS::S3::Bucket", "Checks if logging is enabled for your S3 buckets.", ""},
	{"s3-bucket-ssl-requests-only", OwnerAWS, "S3_BUCKET_SSL_REQUESTS_ONLY", "AWS::S3::Bucket", "Checks if S3 buckets have policies that require requests to use SSL.", ""},
	{"encrypted-volumes", OwnerAWS, "ENCRYPTED_VOLUMES", "AWS::EC2::Volume", "Checks if attached Amazon EBS volumes are encrypted.", ""},
	{"ec2-instance-no-public-ip", OwnerAWS, "EC2_INSTANCE_NO_PUBLIC_IP", "AWS::EC2::Instance", "Checks if EC2 instances have a public IP association.", ""},
	{"ec2-imdsv2-check", OwnerAWS, "EC2_IMDSV2_CHECK", "AWS::EC2::Instance", "Checks whether your Amazon EC2 instance metadata version is configured with IMDSv2.", ""},
	{"ec2-instance-managed-by-systems-manager", OwnerAWS, "EC2_INSTANCE_MANAGED_BY_SSM", "AWS::EC2::Instance", "Checks if your Amazon EC2 instances are managed by AWS Systems Manager.", ""},
	{"restricted-ssh", OwnerAWS, "INCOMING_SSH_DISABLED", "AWS::EC2::SecurityGroup", "Checks if the incoming SSH traffic for the security groups is accessible.", ""},
	{"vpc-default-security-group-closed", OwnerAWS, "VPC_DEFAULT_SECURITY_GROUP_CLOSED", "AWS::EC2::SecurityGroup", "Checks if the default security group of any VPC does not allow inbound or outbound traffic.", ""},
	{"vpc-flow-logs-enabled", OwnerAWS, "VPC_FLOW_LOGS_ENABLED", "AWS::EC2::VPC", "Checks if VPC Flow Logs are found and enabled for all VPCs.", ""},
	{"rds-storage-encrypted", OwnerAWS, "RDS_STORAGE_ENCRYPTED", "AWS::RDS::DBInstance", "Checks if storage encryption is enabled for your RDS DB instances.", ""},
	{"rds-instance-public-access-check", OwnerAWS, "RDS_INSTANCE_PUBLIC_ACCESS_CHECK", "AWS::RDS::DBInstance", "Checks if the Amazon RDS instances are not publicly accessible.", ""},
	{"rds-multi-az-support", OwnerAWS, "RDS_MULTI_AZ_SUPPORT", "AWS::RDS::DBInstance", "Checks whether high availability is enabled for your RDS DB instances.", ""},
	{"iam-user-mfa-enabled", OwnerAWS, "IAM_USER_MFA_ENABLED", "AWS::IAM::User", "Checks if the AWS IAM users have multi-factor authentication (MFA) enabled.", ""},
	{"access-keys-rotated", OwnerAWS, "ACCESS_KEYS_ROTATED", "AWS::IAM::User", "Checks if active IAM access keys are rotated (changed) within the number of days specified in maxAccessKeyAge.", "Access key age exceeds maxAccessKeyAge."},
	{"iam-password-policy", OwnerAWS, "IAM_PASSWORD_POLICY", "AWS::::Account", "Checks if the account password policy for AWS IAM users meets the specified requirements.", ""},
	{"root-account-mfa-enabled", OwnerAWS, "ROOT_ACCOUNT_MFA_ENABLED", "AWS::::Account", "Checks if the root user of your AWS account requires multi-factor authentication for console sign-in.", ""},
	{"iam-root-access-key-check", OwnerAWS, "IAM_ROOT_ACCESS_KEY_CHECK", "AWS::::Account", "Checks if the root user access key is available.", ""},
	{"cloudtrail-enabled", OwnerAWS, "CLOUD_TRAIL_ENABLED", "AWS::::Account", "Checks if an AWS CloudTrail trail is enabled in your AWS account.", ""},
	{"guardduty-enabled-centralized", OwnerAWS, "GUARDDUTY_ENABLED_CENTRALIZED", "AWS::::Account", "Checks if Amazon GuardDuty is enabled in your AWS account and region.", ""},
	{"securityhub-enabled", OwnerAWS, "SECURITYHUB_ENABLED", "AWS::::Account", "Checks if AWS Security Hub is enabled for an AWS account.", ""},
	{"lambda-function-public-access-prohibited", OwnerAWS, "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED", "AWS::Lambda::Function", "Checks if the AWS Lambda function policy attached to the Lambda resource prohibits public access.", ""},
	{"lambda-inside-vpc", OwnerAWS, "LAMBDA_INSIDE_VPC", "AWS::Lambda::Function", "Checks if a Lambda function is allowed access to a virtual private cloud (VPC).", ""},
	{"dynamodb-pitr-enabled", OwnerAWS, "DYNAMODB_PITR_ENABLED", "AWS::DynamoDB::Table", "Checks that point in time recovery (PITR) is enabled for Amazon DynamoDB tables.", ""},
	{"cloudwatch-log-group-encrypted", OwnerAWS, "CLOUDWATCH_LOG_GROUP_ENCRYPTED", "AWS::Logs::LogGroup", "Checks if a log group in Amazon CloudWatch Logs is encrypted with an AWS Key Management Service (KMS) key.", ""},
	{"cw-loggroup-retention-period-check", OwnerAWS, "CW_LOGGROUP_RETENTION_PERIOD_CHECK", "AWS::Logs::LogGroup", "Checks if an Amazon CloudWatch LogGroup retention period is set to greater than 365 days or else a specified retention period.", "Retention period is less than the minimum required."},
	{"cmk-backing-key-rotation-enabled", OwnerAWS, "CMK_BACKING_KEY_ROTATION_ENABLED", "AWS::KMS::Key", "Checks if automatic key rotation is enabled for every AWS Key Management Service customer managed symmetric encryption key.", ""},
	{"kms-cmk-not-scheduled-for-deletion", OwnerAWS, "KMS_CMK_NOT_SCHEDULED_FOR_DELETION", "AWS::KMS::Key", "Checks if AWS KMS keys are not scheduled for deletion.", ""},
	{"efs-encrypted-check", OwnerAWS, "EFS_ENCRYPTED_CHECK", "AWS::EFS::FileSystem", "Checks if Amazon Elastic File System (Amazon EFS) is configured to encrypt the file data using AWS KMS.", ""},
	{"elb-logging-enabled", OwnerAWS, "ELB_LOGGING_ENABLED", "AWS::ElasticLoadBalancingV2::LoadBalancer", "Checks if the Application Load Balancer and the Classic Load Balancer have logging enabled.", ""},
	{"alb-http-to-https-redirection-check", OwnerAWS, "ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK", "AWS::ElasticLoadBalancingV2::LoadBalancer", "Checks if HTTP to HTTPS redirection is configured on all HTTP listeners of Application Load Balancers.", ""},
	{"sns-encrypted-kms", OwnerAWS, "SNS_ENCRYPTED_KMS", "AWS::SNS::Topic", "Checks if Amazon SNS topic is encrypted with AWS Key Management Service (AWS KMS).", ""},
	{"secretsmanager-rotation-enabled-check", OwnerAWS, "SECRETSMANAGER_ROTATION_ENABLED_CHECK", "AWS::SecretsManager::Secret", "Checks if AWS Secrets Manager secret has rotation enabled.", ""},
	{"ecr-private-image-scanning-enabled", OwnerAWS, "ECR_PRIVATE_IMAGE_SCANNING_ENABLED", "AWS::ECR::Repository", "Checks if a private Amazon Elastic Container Registry (ECR) repository has image scanning enabled.", ""},
	{"eks-secrets-encrypted", OwnerAWS, "EKS_SECRETS_ENCRYPTED", "AWS::EKS::Cluster", "Checks if Amazon Elastic Kubernetes Service clusters are configured to have Kubernetes secrets encrypted using AWS KMS keys.", ""},
	{"api-gw-execution-logging-enabled", OwnerAWS, "API_GW_EXECUTION_LOGGING_ENABLED", "AWS::ApiGateway::Stage", "Checks if all methods in Amazon API Gateway stages have logging enabled.", ""},
	{"required-tags-owner-team", OwnerCustomLambda, "config-rule-required-tags", "AWS::EC2::Instance", "Checks that instances carry the owner and team tags.", "Missing required tag: team."},
	{"s3-bucket-name-prefix", OwnerCustomPolicy, "", "AWS::S3::Bucket", "Checks that bucket names start with the account's naming prefix.", "Bucket name does not follow the naming convention."},
	{"approved-instance-families", OwnerCustomLambda, "config-rule-instance-families", "AWS::EC2::Instance", "Checks that instances use an approved instance family.", "Instance family is not on the approved list."},
}

// controlTowerControls maps a managed rule identifier to the AWS Control
// Tower detective control that deploys it, for the legacy "AWS-GR_"
// controls whose Config rule is that managed rule (Control Tower user
// guide, "Resource identifiers for APIs and controls" and the strongly
// recommended and elective controls, e.g. "Detect Whether Encryption is
// Enabled for Amazon EBS Volumes Attached to Amazon EC2 Instances",
// AWS-GR_ENCRYPTED_VOLUMES, whose artifact is the ENCRYPTED_VOLUMES rule).
var controlTowerControls = map[string]string{
	"ENCRYPTED_VOLUMES":                "AWS-GR_ENCRYPTED_VOLUMES",
	"RDS_STORAGE_ENCRYPTED":            "AWS-GR_RDS_STORAGE_ENCRYPTED",
	"RDS_INSTANCE_PUBLIC_ACCESS_CHECK": "AWS-GR_RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
	"ROOT_ACCOUNT_MFA_ENABLED":         "AWS-GR_ROOT_ACCOUNT_MFA_ENABLED",
	"IAM_USER_MFA_ENABLED":             "AWS-GR_IAM_USER_MFA_ENABLED",
	"S3_BUCKET_PUBLIC_READ_PROHIBITED": "AWS-GR_S3_BUCKET_PUBLIC_READ_PROHIBITED",
	"INCOMING_SSH_DISABLED":            "AWS-GR_RESTRICTED_SSH",
}

// packNames are conformance pack names the generator deploys (real AWS
// sample pack names).
var packNames = []string{
	"Operational-Best-Practices-for-CIS-AWS-v1.4-Level1",
	"Operational-Best-Practices-for-AWS-Well-Architected-Security-Pillar",
	"Security-Best-Practices-for-Amazon-S3",
	"Operational-Best-Practices-for-NIST-CSF",
	"Operational-Best-Practices-for-PCI-DSS",
}

// evaluationErrors are rule evaluation failures as Config reports them.
var evaluationErrors = []struct{ code, message string }{
	{"AccessDenied", "The Lambda function's execution role is not authorized to perform ec2:DescribeInstances."},
	{"ResourceNotFoundException", "Function not found: the rule's Lambda function does not exist."},
	{"InsufficientPermissions", "The AWS Config service-linked role does not have the permissions to call the Lambda function."},
}

var teams = []string{"payments", "identity", "data-platform", "search", "checkout", "mobile", "observability", "networking", "ml", "billing", "risk", "growth"}
var people = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yvonne"}
var envs = []string{"prod", "staging", "dev", "test", "sandbox", "shared"}

// newResource makes the i-th resource of a type in an account and region.
func newResource(r *rand.Rand, typ, account, region string, i int) Resource {
	team := teams[r.IntN(len(teams))]
	env := envs[r.IntN(len(envs))]
	res := Resource{Type: typ, InConfig: r.Float64() >= 0.08}
	tags := map[string]string{"owner": people[r.IntN(len(people))] + "@example.com", "team": team}
	if r.Float64() < 0.15 {
		delete(tags, "team")
	}
	if r.Float64() < 0.1 {
		delete(tags, "owner")
	}
	name := fmt.Sprintf("%s-%s-%s", team, env, randString(r, lowerAlnum, 6))
	switch typ {
	case "AWS::S3::Bucket":
		res.ID, res.Name = name, name
	case "AWS::EC2::Instance":
		res.ID = "i-0" + randString(r, hexDigits, 16)
		tags["Name"] = name
	case "AWS::EC2::Volume":
		res.ID = "vol-0" + randString(r, hexDigits, 16)
	case "AWS::EC2::SecurityGroup":
		res.ID, res.Name = "sg-0"+randString(r, hexDigits, 16), name
	case "AWS::EC2::VPC":
		res.ID = "vpc-0" + randString(r, hexDigits, 16)
		tags["Name"] = name
	case "AWS::RDS::DBInstance":
		res.ID, res.Name = "db-"+randString(r, upperAlnum, 26), name
	case "AWS::IAM::User":
		res.ID, res.Name = "AIDA"+randString(r, upperAlnum, 17), people[r.IntN(len(people))]+"."+itoa(i)
	case "AWS::::Account":
		res.ID, res.InConfig, tags = account, false, nil
	case "AWS::Lambda::Function", "AWS::DynamoDB::Table", "AWS::ECR::Repository", "AWS::EKS::Cluster":
		res.ID, res.Name = name, name
	case "AWS::Logs::LogGroup":
		res.ID = "/aws/lambda/" + name
		res.Name = res.ID
	case "AWS::KMS::Key":
		res.ID = fmt.Sprintf("%s-%s-%s-%s-%s", randString(r, hexDigits, 8), randString(r, hexDigits, 4), randString(r, hexDigits, 4), randString(r, hexDigits, 4), randString(r, hexDigits, 12))
	case "AWS::EFS::FileSystem":
		res.ID = "fs-0" + randString(r, hexDigits, 16)
	case "AWS::ElasticLoadBalancingV2::LoadBalancer":
		res.Name = name
		res.ID = fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/app/%s/%s", region, account, name, randString(r, hexDigits, 16))
	case "AWS::SNS::Topic":
		res.Name = name
		res.ID = fmt.Sprintf("arn:aws:sns:%s:%s:%s", region, account, name)
	case "AWS::SecretsManager::Secret":
		res.Name = name
		res.ID = fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", region, account, name, randString(r, upperAlnum+lowerAlnum, 6))
	case "AWS::ApiGateway::Stage":
		res.ID = fmt.Sprintf("arn:aws:apigateway:%s::/restapis/%s/stages/%s", region, randString(r, lowerAlnum, 10), env)
	default:
		res.ID = strings.ToLower(strings.ReplaceAll(typ, "::", "-")) + "-" + randString(r, lowerAlnum, 10)
	}
	res.Tags = tags
	return res
}
