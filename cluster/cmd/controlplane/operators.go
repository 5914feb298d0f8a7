package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// An operator the control plane can run: a controller manager built from its own Go module
// (cluster/operators/go.mod), installed the way its release manifests install it, minus the
// Deployment. Its CRDs and webhook configurations are read from the same module; the
// operator's own certificate rotator creates the serving certificate and injects the CA into
// the webhook configurations, exactly as in a cluster.
//
// The apiserver reaches the webhook server through a Service in the operator's namespace
// whose EndpointSlice points at this machine's address (the apiserver refuses loopback
// endpoints) and --enable-aggregator-routing, so the certificate names the Service
// (<service>.<namespace>.svc) as it does in a cluster.
type operatorSpec struct {
	namespace string
	service   string
	// The Secret the rotator keeps the certificates in; the release manifests create it empty.
	secret string
	// CRD files, relative to the module.
	crds []string
	// The module's webhook manifests (controller-gen output) and the names the operator's
	// rotator patches; the kustomize overlays' renames are applied here.
	webhooks                     string
	validatingName, mutatingName string
	conversionCRDs               []string // CRDs the rotator serves conversion for
	kueueNamespaceSelector       bool     // kustomize's namespaceSelector on workload webhooks
	args                         func(p operatorPorts, dir string) ([]string, error)
	env                          []string
}

type operatorPorts struct{ webhook, health int }

var operatorSpecs = map[string]operatorSpec{
	// github.com/kubeflow/training-operator cmd/training-operator.v1 (manifests/base).
	"training-operator": {
		namespace:      "kubeflow",
		service:        "training-operator",
		secret:         "training-operator-webhook-cert",
		crds:           []string{"manifests/base/crds/kubeflow.org_pytorchjobs.yaml"},
		webhooks:       "manifests/base/webhook/manifests.yaml",
		validatingName: "validator.training-operator.kubeflow.org",
		env:            []string{"MY_POD_NAMESPACE=kubeflow"},
		args: func(p operatorPorts, dir string) ([]string, error) {
			args := []string{
				"--enable-scheme=pytorchjob",
				fmt.Sprintf("--webhook-server-port=%d", p.webhook),
				fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", p.health),
				"--metrics-bind-address=0",
			}
			// The init container template a platform team passes to the operator
			// (TRAINING_OPERATOR_INIT_TEMPLATE, written by the suite from the library).
			if t := os.Getenv("TRAINING_OPERATOR_INIT_TEMPLATE"); t != "" {
				args = append(args, "--pytorch-init-container-template-file="+t)
			}
			return args, nil
		},
	},
	// sigs.k8s.io/jobset (config/components).
	"jobset": {
		namespace:      "jobset-system",
		service:        "jobset-webhook-service",
		secret:         "jobset-webhook-server-cert",
		crds:           []string{"config/components/crd/bases/jobset.x-k8s.io_jobsets.yaml"},
		webhooks:       "config/components/webhook/manifests.yaml",
		validatingName: "jobset-validating-webhook-configuration",
		mutatingName:   "jobset-mutating-webhook-configuration",
		args: func(p operatorPorts, dir string) ([]string, error) {
			return configFile(dir, "jobset", fmt.Sprintf(`apiVersion: config.jobset.x-k8s.io/v1alpha1
kind: Configuration
leaderElection: {leaderElect: false}
health: {healthProbeBindAddress: "127.0.0.1:%d"}
metrics: {bindAddress: "0"}
webhook: {port: %d}
internalCertManagement: {enable: true, webhookServiceName: jobset-webhook-service, webhookSecretName: jobset-webhook-server-cert}
`, p.health, p.webhook))
		},
	},
	// github.com/kubeflow/trainer/v2 cmd/trainer-controller-manager (manifests/base).
	"trainer": {
		namespace: "kubeflow-system",
		service:   "kubeflow-trainer-controller-manager",
		secret:    "kubeflow-trainer-webhook-cert",
		crds: []string{
			"manifests/base/crds/trainer.kubeflow.org_trainjobs.yaml",
			"manifests/base/crds/trainer.kubeflow.org_trainingruntimes.yaml",
			"manifests/base/crds/trainer.kubeflow.org_clustertrainingruntimes.yaml",
		},
		webhooks:       "manifests/base/webhook/manifests.yaml",
		validatingName: "validator.trainer.kubeflow.org",
		mutatingName:   "defaulter.trainer.kubeflow.org",
		args: func(p operatorPorts, dir string) ([]string, error) {
			ports, err := freePorts(1)
			if err != nil {
				return nil, err
			}
			return configFile(dir, "trainer", fmt.Sprintf(`apiVersion: config.trainer.kubeflow.org/v1alpha1
kind: Configuration
leaderElection: {leaderElect: false}
health: {healthProbeBindAddress: "127.0.0.1:%d", readinessEndpointName: readyz, livenessEndpointName: healthz}
metrics: {bindAddress: "0"}
webhook: {port: %d}
certManagement: {enable: true, webhookServiceName: kubeflow-trainer-controller-manager, webhookSecretName: kubeflow-trainer-webhook-cert}
statusServer: {port: %d}
`, p.health, p.webhook, ports[0]))
		},
	},
	// sigs.k8s.io/kueue cmd/kueue (config/components), with the integrations the library
	// labels for: batch Jobs, JobSets, TrainJobs and (off by default in Kueue) PyTorchJobs.
	"kueue": {
		namespace: "kueue-system",
		service:   "kueue-webhook-service",
		secret:    "kueue-webhook-server-cert",
		crds: []string{
			"config/components/crd/bases/kueue.x-k8s.io_resourceflavors.yaml",
			"config/components/crd/bases/kueue.x-k8s.io_clusterqueues.yaml",
			"config/components/crd/bases/kueue.x-k8s.io_localqueues.yaml",
			"config/components/crd/bases/kueue.x-k8s.io_workloads.yaml",
			"config/components/crd/bases/kueue.x-k8s.io_cohorts.yaml",
			"config/components/crd/bases/kueue.x-k8s.io_admissionchecks.yaml",
			"config/components/crd/bases/kueue.x-k8s.io_workloadpriorityclasses.yaml",
			"config/components/crd/bases/kueue.x-k8s.io_topologies.yaml",
			"config/components/crd/bases/kueue.x-k8s.io_provisioningrequestconfigs.yaml",
			"config/components/crd/bases/kueue.x-k8s.io_multikueueclusters.yaml",
			"config/components/crd/bases/kueue.x-k8s.io_multikueueconfigs.yaml",
		},
		webhooks:               "config/components/webhook/manifests.yaml",
		validatingName:         "kueue-validating-webhook-configuration",
		mutatingName:           "kueue-mutating-webhook-configuration",
		conversionCRDs:         []string{"clusterqueues.kueue.x-k8s.io", "localqueues.kueue.x-k8s.io", "workloads.kueue.x-k8s.io", "cohorts.kueue.x-k8s.io", "multikueueclusters.kueue.x-k8s.io"},
		kueueNamespaceSelector: true,
		args: func(p operatorPorts, dir string) ([]string, error) {
			certs := filepath.Join(dir, "certs")
			return configFile(dir, "kueue", fmt.Sprintf(`apiVersion: config.kueue.x-k8s.io/v1beta2
kind: Configuration
namespace: kueue-system
leaderElection: {leaderElect: false}
health: {healthProbeBindAddress: "127.0.0.1:%d"}
metrics: {bindAddress: "0"}
webhook: {port: %d, certDir: %q}
internalCertManagement: {enable: true}
# The on-demand visibility API is an aggregated apiserver that needs in-cluster credentials.
featureGates: {VisibilityOnDemand: false}
integrations:
  frameworks:
  - batch/job
  - jobset.x-k8s.io/jobset
  - trainer.kubeflow.org/trainjob
  - kubeflow.org/pytorchjob
`, p.health, p.webhook, certs))
		},
	},
}

func configFile(dir, name, content string) ([]string, error) {
	path := filepath.Join(dir, name+"-config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return nil, err
	}
	return []string{"--config=" + path}, nil
}

// operatorRun is what `up --operator NAME=BINARY,MODULE_DIR` starts.
type operatorRun struct {
	name, binary, module string
	spec                 operatorSpec
	ports                operatorPorts
	dir                  string
}

func parseOperator(v string) (*operatorRun, error) {
	name, rest, ok := strings.Cut(v, "=")
	binary, module, ok2 := strings.Cut(rest, ",")
	spec, known := operatorSpecs[name]
	if !ok || !ok2 || !known {
		names := make([]string, 0, len(operatorSpecs))
		for n := range operatorSpecs {
			names = append(names, n)
		}
		return nil, fmt.Errorf("--operator %q: want NAME=BINARY,MODULE_DIR with NAME one of %s", v, strings.Join(names, ", "))
	}
	return &operatorRun{name: name, binary: binary, module: module, spec: spec}, nil
}

func (o *operatorRun) crdFiles() []string {
	files := make([]string, len(o.spec.crds))
	for i, c := range o.spec.crds {
		files[i] = filepath.Join(o.module, c)
	}
	return files
}

// installOperator creates the operator's namespace, webhook Service and EndpointSlice,
// webhook configurations and conversion settings. Its CRDs are installed beforehand.
func installOperator(ctx context.Context, kubeconfig string, o *operatorRun, host string) error {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return err
	}
	ns := o.spec.namespace
	create := func(what string, err error) error {
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("%s: %s: %w", o.name, what, err)
		}
		return nil
	}
	strict := metav1.CreateOptions{FieldValidation: "Strict"}
	if err := create("namespace", func() error {
		_, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, strict)
		return err
	}()); err != nil {
		return err
	}
	if err := create("service", func() error {
		_, err := client.CoreV1().Services(ns).Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: o.spec.service},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{
				Port: 443, TargetPort: intstr.FromInt32(int32(o.ports.webhook)), Protocol: corev1.ProtocolTCP,
			}}},
		}, strict)
		return err
	}()); err != nil {
		return err
	}
	if err := create("secret", func() error {
		_, err := client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: o.spec.secret}}, strict)
		return err
	}()); err != nil {
		return err
	}
	if err := create("endpointslice", func() error {
		_, err := client.DiscoveryV1().EndpointSlices(ns).Create(ctx, &discoveryv1.EndpointSlice{
			ObjectMeta: metav1.ObjectMeta{
				Name:   o.spec.service,
				Labels: map[string]string{discoveryv1.LabelServiceName: o.spec.service, discoveryv1.LabelManagedBy: "controlplane"},
			},
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{host}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}}},
			Ports:       []discoveryv1.EndpointPort{{Port: ptr.To(int32(o.ports.webhook)), Protocol: ptr.To(corev1.ProtocolTCP), Name: ptr.To("")}},
		}, strict)
		return err
	}()); err != nil {
		return err
	}

	data, err := os.ReadFile(filepath.Join(o.module, o.spec.webhooks))
	if err != nil {
		return err
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return err
		}
		switch meta.Kind {
		case "":
			continue
		case "ValidatingWebhookConfiguration":
			var c admissionv1.ValidatingWebhookConfiguration
			if err := yaml.UnmarshalStrict(doc, &c); err != nil {
				return err
			}
			c.Name = o.spec.validatingName
			for i := range c.Webhooks {
				w := &c.Webhooks[i]
				o.retarget(&w.ClientConfig, w.Rules, &w.NamespaceSelector)
			}
			if err := create(c.Name, func() error {
				_, err := client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &c, strict)
				return err
			}()); err != nil {
				return err
			}
		case "MutatingWebhookConfiguration":
			var c admissionv1.MutatingWebhookConfiguration
			if err := yaml.UnmarshalStrict(doc, &c); err != nil {
				return err
			}
			c.Name = o.spec.mutatingName
			for i := range c.Webhooks {
				w := &c.Webhooks[i]
				o.retarget(&w.ClientConfig, w.Rules, &w.NamespaceSelector)
			}
			if err := create(c.Name, func() error {
				_, err := client.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, &c, strict)
				return err
			}()); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: unexpected %s in %s", o.name, meta.Kind, o.spec.webhooks)
		}
	}
	return nil
}

// retarget points one webhook at the operator's Service, as the kustomize overlay does, with
// Kueue's namespaceSelector on the webhooks for workloads.
func (o *operatorRun) retarget(config *admissionv1.WebhookClientConfig, rules []admissionv1.RuleWithOperations, selector **metav1.LabelSelector) {
	config.Service.Namespace, config.Service.Name, config.Service.Port = o.spec.namespace, o.spec.service, ptr.To(int32(443))
	if o.spec.kueueNamespaceSelector && !ownsKueueResources(rules) {
		*selector = excludeSystemNamespaces(o.spec.namespace)
	}
}

func ownsKueueResources(rules []admissionv1.RuleWithOperations) bool {
	for _, r := range rules {
		for _, g := range r.APIGroups {
			if g == "kueue.x-k8s.io" {
				return true
			}
		}
	}
	return false
}

func excludeSystemNamespaces(own string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
		Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system", own},
	}}}
}

// withConversionWebhook sets the conversion webhook the operator's kustomize patches add
// (webhook_in_*.yaml) on the CRDs its rotator serves conversion for.
func withConversionWebhook(crd *apiextensionsv1.CustomResourceDefinition, operators []*operatorRun) {
	for _, o := range operators {
		for _, name := range o.spec.conversionCRDs {
			if name == crd.Name {
				crd.Spec.Conversion = &apiextensionsv1.CustomResourceConversion{
					Strategy: apiextensionsv1.WebhookConverter,
					Webhook: &apiextensionsv1.WebhookConversion{
						ClientConfig: &apiextensionsv1.WebhookClientConfig{Service: &apiextensionsv1.ServiceReference{
							Namespace: o.spec.namespace, Name: o.spec.service, Path: ptr.To("/convert"), Port: ptr.To(int32(443)),
						}},
						ConversionReviewVersions: []string{"v1"},
					},
				}
			}
		}
	}
}

// startOperator runs the operator's binary through `controlplane isolate-certs`, in its own
// mount namespace: every operator writes its serving certificate to the same fixed
// /tmp/k8s-webhook-server/serving-certs, so each gets a private folder mounted there.
func startOperator(self string, o *operatorRun, kubeconfig, logDir string) (*child, error) {
	certs := filepath.Join(o.dir, "certs")
	if err := os.MkdirAll(certs, 0o700); err != nil {
		return nil, err
	}
	args, err := o.spec.args(o.ports, o.dir)
	if err != nil {
		return nil, err
	}
	c, err := startChild(o.name, self, append([]string{"isolate-certs", certs, o.binary}, args...), logDir, func(cmd *exec.Cmd) {
		cmd.Env = append(append(os.Environ(), "KUBECONFIG="+kubeconfig), o.spec.env...)
		cmd.SysProcAttr.Unshareflags = syscall.CLONE_NEWNS
		if os.Getuid() != 0 {
			// Without root, a user namespace grants the mount.
			cmd.SysProcAttr.Unshareflags = 0
			cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS
			cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: os.Getuid(), HostID: os.Getuid(), Size: 1}}
			cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: os.Getgid(), HostID: os.Getgid(), Size: 1}}
		}
	})
	return c, err
}

// mountSecret plays the kubelet's secret volume for the operator's certificate Secret: the
// rotator writes the certificates to the Secret and waits for them to appear as files in its
// certificate folder, as they would in the pod. Runs until ctx ends.
func mountSecret(ctx context.Context, client kubernetes.Interface, o *operatorRun) {
	dir := filepath.Join(o.dir, "certs")
	written := ""
	for ctx.Err() == nil {
		secret, err := client.CoreV1().Secrets(o.spec.namespace).Get(ctx, o.spec.secret, metav1.GetOptions{})
		if err == nil && secret.ResourceVersion != written {
			ok := true
			for key, value := range secret.Data {
				tmp := filepath.Join(dir, "."+key+".tmp")
				if os.WriteFile(tmp, value, 0o600) != nil || os.Rename(tmp, filepath.Join(dir, key)) != nil {
					ok = false
				}
			}
			if ok {
				written = secret.ResourceVersion
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(300 * time.Millisecond):
		}
	}
}

const webhookCertDir = "/tmp/k8s-webhook-server/serving-certs"

// isolateCerts is `controlplane isolate-certs DIR BINARY ARGS...`, started in a new mount
// namespace: DIR is mounted on the fixed certificate folder, then BINARY replaces this process.
func isolateCerts(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: controlplane isolate-certs DIR BINARY [ARGS...]")
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(os.Stderr, "isolate-certs: %v (operators need mount namespaces: root, or unprivileged user namespaces)\n", err)
		return 1
	}
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fail(fmt.Errorf("make / private: %w", err))
	}
	if err := os.MkdirAll(webhookCertDir, 0o755); err != nil {
		return fail(err)
	}
	if err := syscall.Mount(args[0], webhookCertDir, "", syscall.MS_BIND, ""); err != nil {
		return fail(fmt.Errorf("bind %s on %s: %w", args[0], webhookCertDir, err))
	}
	if err := syscall.Exec(args[1], args[1:], os.Environ()); err != nil {
		return fail(fmt.Errorf("exec %s: %w", args[1], err))
	}
	return 0
}

// operatorsReady: each operator's readiness endpoint answers 200 (its certificates exist
// and its webhook server is listening) and its webhook configurations carry its CA.
func operatorsReady(ctx context.Context, client kubernetes.Interface, operators []*operatorRun) error {
	for _, o := range operators {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", o.ports.health))
		if err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: readyz %s", o.name, resp.Status)
		}
		if o.spec.validatingName != "" {
			c, err := client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, o.spec.validatingName, metav1.GetOptions{})
			if err != nil {
				return err
			}
			for _, w := range c.Webhooks {
				if err := o.caInjected(c.Name, w.ClientConfig); err != nil {
					return err
				}
			}
		}
		if o.spec.mutatingName != "" {
			c, err := client.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, o.spec.mutatingName, metav1.GetOptions{})
			if err != nil {
				return err
			}
			for _, w := range c.Webhooks {
				if err := o.caInjected(c.Name, w.ClientConfig); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// caInjected: the operator's rotator has written its CA into the webhook's configuration.
func (o *operatorRun) caInjected(configuration string, config admissionv1.WebhookClientConfig) error {
	if len(config.CABundle) == 0 {
		return fmt.Errorf("%s: no CA in %s yet", o.name, configuration)
	}
	return nil
}
