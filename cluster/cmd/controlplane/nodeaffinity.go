package main

import (
	"encoding/json"
	"fmt"
	"os"

	v1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// nodeAffinityMatch reads {"pod": POD, "nodes": [NODE...]} on stdin and writes a JSON array:
// for each node, whether the scheduler's NodeAffinity filter admits the pod to it. It calls
// what the plugin's Filter calls (pkg/scheduler/framework/plugins/nodeaffinity in
// k8s.io/kubernetes): nodeaffinity.GetRequiredNodeAffinity(pod).Match(node), which ANDs the
// pod's nodeSelector with its required node affinity terms (ORed, expressions ANDed).
func nodeAffinityMatch() int {
	var in struct {
		Pod   v1.Pod    `json:"pod"`
		Nodes []v1.Node `json:"nodes"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "node-affinity-match: reading stdin:", err)
		return 2
	}
	required := nodeaffinity.GetRequiredNodeAffinity(&in.Pod)
	matches := make([]bool, len(in.Nodes))
	for i := range in.Nodes {
		ok, err := required.Match(&in.Nodes[i])
		if err != nil {
			fmt.Fprintf(os.Stderr, "node-affinity-match: node %d: %v\n", i, err)
			return 1
		}
		matches[i] = ok
	}
	if err := json.NewEncoder(os.Stdout).Encode(matches); err != nil {
		fmt.Fprintln(os.Stderr, "node-affinity-match:", err)
		return 1
	}
	return 0
}
