// The Go quick start's module (test/languages/run.sh fills in @DIST_GO@, what
// `npx projen package:go` wrote). cdk8s-core-go is not served by the Go module proxy to this
// machine: package:go builds it from its npm package with the same jsii, and the replaces below
// point at it as they point at this library. Requirements and
// go.sum are pinned (go mod tidy wrote them); the suite builds with -mod=readonly.
module example.com/quickstart

go 1.25.0

require (
	github.com/aws/jsii-runtime-go v1.140.0
	github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 v2.70.0
	github.com/cdk8s-training/cdk8s-training-go/cdk8straining v0.0.0
)

require (
	github.com/Masterminds/semver/v3 v3.5.0 // indirect
	github.com/aws/constructs-go/constructs/v10 v10.3.0 // indirect
	github.com/fatih/color v1.19.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/yuin/goldmark v1.7.16 // indirect
	golang.org/x/lint v0.0.0-20241112194109-818c5a804067 // indirect
	golang.org/x/mod v0.39.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/telemetry v0.0.0-20260811182544-a038080d80e5 // indirect
	golang.org/x/tools v0.49.0 // indirect
	golang.org/x/tools/cmd/godoc v0.1.0-deprecated // indirect
	golang.org/x/tools/godoc v0.1.0-deprecated // indirect
)

replace (
	github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 => @DIST_GO@/cdk8s
	github.com/cdk8s-training/cdk8s-training-go/cdk8straining => @DIST_GO@/cdk8straining
)
