// Command node runs the node half of the local cluster the node suite (test/node) starts, from
// the Go modules pinned in ../../go.mod: the kubelet and the kube-scheduler of the same
// k8s.io/kubernetes version as the control plane, a cluster DNS that answers for Services and
// pod hostnames from the apiserver, and a packer that turns a folder into an OCI image archive
// for `ctr images import` (no registry is reachable).
//
//	node up --dir D --kubeconfig F --dns ADDR --node SPEC... [--image FILE]...
//	                               containerd, a kubelet per node, the scheduler and the DNS,
//	                               against a running control plane, until SIGTERM
//	node kubelet FLAGS             the kubelet
//	node kube-scheduler FLAGS      the scheduler
//	node dns --kubeconfig F --listen ADDR --domain cluster.local
//	node oci-image --name REF --rootfs DIR --out FILE [--entrypoint ARG]... [--env K=V]...
package main

import (
	"context"
	"fmt"
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: node up FLAGS | kubelet FLAGS | kube-scheduler FLAGS | dns FLAGS | oci-image FLAGS")
		os.Exit(2)
	}
	sub, args := os.Args[1], os.Args[2:]
	switch sub {
	case "up":
		os.Exit(up(args))
	case "kubelet":
		cmd := kubelet.NewKubeletCommand(context.Background())
		cmd.SetArgs(args)
		os.Exit(cli.Run(cmd))
	case "kube-scheduler":
		cmd := scheduler.NewSchedulerCommand()
		cmd.SetArgs(args)
		os.Exit(cli.Run(cmd))
	case "dns":
		os.Exit(serveDNS(args))
	case "oci-image":
		os.Exit(ociImage(args))
	default:
		fmt.Fprintf(os.Stderr, "node: unknown command %q\n", sub)
		os.Exit(2)
	}
}
