package main

import (
	"encoding/json"
	"fmt"
	"os"

	v1 "k8s.io/api/core/v1"
	podshelper "k8s.io/kubernetes/pkg/apis/core/pods"
	"k8s.io/kubernetes/pkg/fieldpath"
	kubecontainer "k8s.io/kubernetes/pkg/kubelet/container"
)

// subPathExpr reads {"pod": POD, "container": NAME} on stdin and writes, for each volume mount
// of that container with a subPathExpr, the sub-path the kubelet would mount: the container's
// env resolved as the kubelet resolves it (literal values; fieldRef through
// podshelper.ConvertDownwardAPIFieldLabel and fieldpath.ExtractFieldPathAsString, the
// kubelet's podFieldSelectorRuntimeValue for metadata fields) and the expression expanded by
// kubecontainer.ExpandContainerVolumeMounts, as kubelet_pods.go makeMounts does. The output
// is {"<mountPath>": "<sub-path>"} or {"<mountPath>": "error: ..."}.
func subPathExpr() int {
	var in struct {
		Pod       v1.Pod `json:"pod"`
		Container string `json:"container"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "subpath-expr: reading stdin:", err)
		return 2
	}
	var container *v1.Container
	for i := range in.Pod.Spec.Containers {
		if in.Pod.Spec.Containers[i].Name == in.Container {
			container = &in.Pod.Spec.Containers[i]
		}
	}
	if container == nil {
		fmt.Fprintf(os.Stderr, "subpath-expr: no container %q in the pod\n", in.Container)
		return 2
	}
	var envs []kubecontainer.EnvVar
	for _, env := range container.Env {
		value := env.Value
		if env.ValueFrom != nil && env.ValueFrom.FieldRef != nil {
			path, _, err := podshelper.ConvertDownwardAPIFieldLabel(env.ValueFrom.FieldRef.APIVersion, env.ValueFrom.FieldRef.FieldPath, "")
			if err == nil {
				value, err = fieldpath.ExtractFieldPathAsString(&in.Pod, path)
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "subpath-expr: env %s: %v\n", env.Name, err)
				return 1
			}
		}
		envs = append(envs, kubecontainer.EnvVar{Name: env.Name, Value: value})
	}
	out := map[string]string{}
	for _, mount := range container.VolumeMounts {
		if mount.SubPathExpr == "" {
			continue
		}
		subPath, err := kubecontainer.ExpandContainerVolumeMounts(mount, envs)
		if err != nil {
			subPath = "error: " + err.Error()
		}
		out[mount.MountPath] = subPath
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "subpath-expr:", err)
		return 1
	}
	return 0
}
