// The Go quick start's module (test/languages/run.sh fills in @DIST_GO@, what
// `npx projen package:go` wrote). cdk8s-core-go and cdk8s-plus-go are not served by the Go
// module proxy to this machine: package:go builds them from their npm packages with the same
// jsii, and the replaces below point at them as they point at this library.
module example.com/quickstart

go 1.23

require (
	github.com/aws/jsii-runtime-go v1.140.0
	github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 v2.70.0
	github.com/cdk8s-team/cdk8s-plus-go/cdk8splus28/v2 v2.5.6
	github.com/cdk8s-training/cdk8s-training-go/cdk8straining v0.0.0
)

replace (
	github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 => @DIST_GO@/cdk8s
	github.com/cdk8s-team/cdk8s-plus-go/cdk8splus28/v2 => @DIST_GO@/cdk8splus28
	github.com/cdk8s-training/cdk8s-training-go/cdk8straining => @DIST_GO@/cdk8straining
)
