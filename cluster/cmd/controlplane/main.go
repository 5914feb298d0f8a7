// Command controlplane runs a local Kubernetes control plane built from the Go modules pinned
// in ../../go.mod: etcd (embedded), kube-apiserver and kube-controller-manager. It exists so
// the cluster test suite can run the library's YAML through the real apiserver (admission,
// Pod Security, strict field validation) and the real Job, CronJob, TTL and garbage
// collector controllers. The cluster suite runs no kubelet and no scheduler: its tests play the
// node by patching pod status, as Kubernetes' own integration tests do; the node suite adds a
// real node (../node) and the controllers a node needs (--controller).
//
//	controlplane up --dir DIR --address IP
//	                                start everything on IP (an address of the network namespace
//	                                the suite created), write DIR/kubeconfig, print "ready", run
//	                                until SIGTERM/SIGINT, then stop all
//	controlplane kube-apiserver ... the apiserver (re-executed by `up` as a child process)
//	controlplane kube-controller-manager ...
//	controlplane node-affinity-match < {"pod": POD, "nodes": [NODE...]}
//	                                which nodes the scheduler's NodeAffinity filter admits the pod to
//	controlplane subpath-expr < {"pod": POD, "container": NAME}
//	                                the sub-paths the kubelet mounts for the container's subPathExprs
package main

import (
	"fmt"
	"os"
	_ "time/tzdata" // CronJob time zones, as in the kube-apiserver and controller-manager mains

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: controlplane up --dir DIR | kube-apiserver FLAGS | kube-controller-manager FLAGS")
		os.Exit(2)
	}
	sub, args := os.Args[1], os.Args[2:]
	switch sub {
	case "up":
		os.Exit(up(args))
	case "kube-apiserver":
		cmd := apiserver.NewAPIServerCommand()
		cmd.SetArgs(args)
		os.Exit(cli.Run(cmd))
	case "isolate-certs":
		os.Exit(isolateCerts(args))
	case "kube-controller-manager":
		cmd := controllermanager.NewControllerManagerCommand()
		cmd.SetArgs(args)
		os.Exit(cli.Run(cmd))
	case "node-affinity-match":
		os.Exit(nodeAffinityMatch())
	case "subpath-expr":
		os.Exit(subPathExpr())
	case "cron-times":
		os.Exit(cronTimes())
	default:
		fmt.Fprintf(os.Stderr, "controlplane: unknown command %q\n", sub)
		os.Exit(2)
	}
}
