// The operators the cluster suite installs on the local control plane, pinned here so that
// their CRDs are read from the module of the controller that serves them (never a copy):
// `go mod download -json <module>` (cluster/test.sh) verifies each against go.sum.
module github.com/cdk8s-training/cdk8s-training/cluster/operators

go 1.26.0

require github.com/kubeflow/training-operator v1.9.4
