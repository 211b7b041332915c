package ruleid

// controlIDs maps the base name of a Security Hub service-linked rule (the
// AWS Config managed rule a control uses) to the control's ID, as each
// control's page in the Security Hub controls reference lists them
// (https://docs.aws.amazon.com/securityhub/latest/userguide/<service>-controls.html,
// the control's "AWS Config rule" line; e.g. s3-controls.html#s3-14).
// Only one-to-one mappings are listed: where several controls use one
// managed rule with different parameters (iam-password-policy backs IAM.7
// and IAM.10 to IAM.17), the base name alone cannot tell them apart and the
// identity carries no control ID.
var controlIDs = map[string]string{
	"access-keys-rotated":                        "IAM.3",
	"alb-http-to-https-redirection-check":        "ELB.1",
	"api-gw-execution-logging-enabled":           "APIGateway.1",
	"autoscaling-group-elb-healthcheck-required": "AutoScaling.1", // autoscaling-controls.html#autoscaling-1
	"cmk-backing-key-rotation-enabled":           "KMS.4",
	"cw-loggroup-retention-period-check":         "CloudWatch.16",
	"dynamodb-pitr-enabled":                      "DynamoDB.2",
	"ec2-imdsv2-check":                           "EC2.8",
	"ec2-instance-managed-by-systems-manager":    "SSM.1",
	"ec2-instance-no-public-ip":                  "EC2.9",
	"ecr-private-image-scanning-enabled":         "ECR.1",
	"efs-encrypted-check":                        "EFS.1",
	"elb-logging-enabled":                        "ELB.5",
	"encrypted-volumes":                          "EC2.3",
	"guardduty-enabled-centralized":              "GuardDuty.1",
	"iam-root-access-key-check":                  "IAM.4",
	"iam-user-mfa-enabled":                       "IAM.19",
	"kms-cmk-not-scheduled-for-deletion":         "KMS.3",
	"lambda-function-public-access-prohibited":   "Lambda.1",
	"lambda-inside-vpc":                          "Lambda.3",
	"rds-instance-public-access-check":           "RDS.2",
	"rds-multi-az-support":                       "RDS.5",
	"rds-storage-encrypted":                      "RDS.3",
	"restricted-ssh":                             "EC2.13",
	"root-account-mfa-enabled":                   "IAM.9",
	"s3-bucket-logging-enabled":                  "S3.9",
	"s3-bucket-public-read-prohibited":           "S3.2",
	"s3-bucket-server-side-encryption-enabled":   "S3.4",
	"s3-bucket-ssl-requests-only":                "S3.5",
	"s3-bucket-versioning-enabled":               "S3.14",
	"secretsmanager-rotation-enabled-check":      "SecretsManager.1",
	"sns-encrypted-kms":                          "SNS.1",
	"vpc-default-security-group-closed":          "EC2.2",
	"vpc-flow-logs-enabled":                      "EC2.6",
}
