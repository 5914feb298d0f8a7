package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	certutil "k8s.io/client-go/util/cert"
)

// The controllers the library's guarantees depend on, and the service account controller
// so that every namespace gets the `default` ServiceAccount pods are admitted with.
var controllers = []string{
	"job-controller",
	"cronjob-controller",
	"ttl-after-finished-controller",
	"garbage-collector-controller",
	"serviceaccount-controller",
}

type child struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited; err says how
	err    error
}

func up(args []string) int {
	flags := flag.NewFlagSet("up", flag.ContinueOnError)
	dir := flags.String("dir", "", "working folder: etcd data, certificates, logs and the kubeconfig (required)")
	readyTimeout := flags.Duration("ready-timeout", 3*time.Minute, "how long to wait for the apiserver and controllers")
	var crds stringList
	flags.Var(&crds, "crd", "a CustomResourceDefinition file to install before announcing ready (repeatable)")
	var operatorFlags stringList
	flags.Var(&operatorFlags, "operator", "NAME=BINARY,MODULE_DIR: run an operator (training-operator, jobset, trainer, kueue) built from its Go module, with its CRDs and webhooks from that module (repeatable)")
	address := flags.String("address", "", "the IPv4 address the apiserver serves on and the operators' webhooks are reached at: one of a network namespace the suite created, never the machine's own (required)")
	var extraControllers stringList
	flags.Var(&extraControllers, "controller", "a kube-controller-manager controller to run beside the default ones (repeatable), e.g. node-lifecycle-controller")
	if err := flags.Parse(args); err != nil || *dir == "" || net.ParseIP(*address).To4() == nil {
		fmt.Fprintln(os.Stderr, "usage: controlplane up --dir DIR --address IP [--ready-timeout 3m] [--crd FILE]... [--operator NAME=BINARY,MODULE_DIR]... [--controller NAME]...")
		return 2
	}
	if net.ParseIP(*address).IsLoopback() && len(operatorFlags) > 0 {
		fmt.Fprintln(os.Stderr, "controlplane: --address must not be a loopback address with --operator: the apiserver refuses webhook endpoints on loopback")
		return 2
	}
	var operators []*operatorRun
	for _, v := range operatorFlags {
		o, err := parseOperator(v)
		if err != nil {
			fmt.Fprintf(os.Stderr, "controlplane: %v\n", err)
			return 2
		}
		operators = append(operators, o)
	}
	start := time.Now()
	if err := run(*dir, *address, *readyTimeout, crds, operators, append(append([]string{}, controllers...), extraControllers...), start); err != nil {
		fmt.Fprintf(os.Stderr, "controlplane: %v\n", err)
		return 1
	}
	return 0
}

func run(dir, address string, readyTimeout time.Duration, crds []string, operators []*operatorRun, controllers []string, start time.Time) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for _, sub := range []string{"etcd", "pki", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return err
		}
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdClient, etcdPeer, apiPort := ports[0], ports[1], ports[2]

	// etcd, embedded in this process.
	etcd, err := startEtcd(filepath.Join(dir, "etcd"), etcdClient, etcdPeer)
	if err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	defer etcd.Close()

	files, err := writeCredentials(dir, address, apiPort)
	if err != nil {
		return err
	}

	self, err := os.Executable()
	if err != nil {
		return err
	}
	apiserverArgs := []string{
		"kube-apiserver",
		fmt.Sprintf("--etcd-servers=http://127.0.0.1:%d", etcdClient),
		"--bind-address=" + address,
		"--advertise-address=" + address,
		// A real node's kubelet (the node suite) is reached at its InternalIP, for logs and exec.
		"--kubelet-preferred-address-types=InternalIP",
		fmt.Sprintf("--secure-port=%d", apiPort),
		"--cert-dir=" + filepath.Join(dir, "pki"),
		"--tls-cert-file=" + files.servingCert,
		"--tls-private-key-file=" + files.servingKey,
		"--client-ca-file=" + files.servingCert,
		"--token-auth-file=" + files.tokens,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + files.saKey,
		"--service-account-signing-key-file=" + files.saKey,
		"--service-cluster-ip-range=10.96.0.0/24",
		// Webhook Services resolve to their EndpointSlices (operators.go), not a cluster IP
		// that nothing here routes.
		"--enable-aggregator-routing=true",
		"--profiling=false",
		"--v=0",
	}
	controllerManagerArgs := []string{
		"kube-controller-manager",
		"--kubeconfig=" + files.kubeconfig,
		"--controllers=" + strings.Join(controllers, ","),
		"--leader-elect=false",
		"--secure-port=0",
		"--profiling=false",
		"--v=0",
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)

	apiserver, err := startChild("kube-apiserver", self, apiserverArgs, filepath.Join(dir, "logs"), nil)
	if err != nil {
		return err
	}
	children := []*child{apiserver}
	defer func() { stopAll(children) }()

	client := adminClient(files)
	base := fmt.Sprintf("https://%s:%d", address, apiPort)
	deadline := time.Now().Add(readyTimeout)
	if err := waitFor(deadline, children, sigs, func() bool { return get(client, files.token, base+"/readyz") == nil }); err != nil {
		return fmt.Errorf("kube-apiserver not ready: %w (see %s)", err, filepath.Join(dir, "logs", "kube-apiserver.log"))
	}
	apiReady := time.Since(start)
	for _, o := range operators {
		crds = append(crds, o.crdFiles()...)
	}
	if len(crds) > 0 {
		if err := installCRDs(files.kubeconfig, crds, operators, deadline); err != nil {
			return err
		}
	}

	kcm, err := startChild("kube-controller-manager", self, controllerManagerArgs, filepath.Join(dir, "logs"), nil)
	if err != nil {
		return err
	}
	children = append(children, kcm)
	// The service account controller has synced once the default namespace has its account.
	if err := waitFor(deadline, children, sigs, func() bool {
		return get(client, files.token, base+"/api/v1/namespaces/default/serviceaccounts/default") == nil
	}); err != nil {
		return fmt.Errorf("kube-controller-manager not ready: %w (see %s)", err, filepath.Join(dir, "logs", "kube-controller-manager.log"))
	}
	controllersReady := time.Since(start)

	if len(operators) > 0 {
		host := address
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		for _, o := range operators {
			p, err := freePorts(2)
			if err != nil {
				return err
			}
			o.ports = operatorPorts{webhook: p[0], health: p[1]}
			o.dir = filepath.Join(dir, "operators", o.name)
			if err := os.MkdirAll(o.dir, 0o700); err != nil {
				return err
			}
			if err := installOperator(ctx, files.kubeconfig, o, host); err != nil {
				return err
			}
			c, err := startOperator(self, o, files.kubeconfig, filepath.Join(dir, "logs"))
			if err != nil {
				return err
			}
			children = append(children, c)
		}
		config, err := clientcmd.BuildConfigFromFlags("", files.kubeconfig)
		if err != nil {
			return err
		}
		clientset, err := kubernetes.NewForConfig(config)
		if err != nil {
			return err
		}
		mounts, stopMounts := context.WithCancel(context.Background())
		defer stopMounts()
		for _, o := range operators {
			go mountSecret(mounts, clientset, o)
		}
		var last error
		if err := waitFor(deadline, children, sigs, func() bool {
			last = operatorsReady(ctx, clientset, operators)
			return last == nil
		}); err != nil {
			return fmt.Errorf("operators not ready: %w (last: %v; see %s)", err, last, filepath.Join(dir, "logs"))
		}
		names := make([]string, len(operators))
		for i, o := range operators {
			names[i] = o.name
		}
		fmt.Printf("controlplane: operators %s ready after %.1fs (webhooks on %s)\n", strings.Join(names, ", "), time.Since(start).Seconds(), host)
	}
	fmt.Printf("controlplane: kube-apiserver ready after %.1fs, %d CRDs installed, controllers ready after %.1fs (%s)\n",
		apiReady.Seconds(), len(crds), controllersReady.Seconds(), base)
	fmt.Printf("controlplane: ready kubeconfig=%s\n", files.kubeconfig)

	// Run until told to stop or until a component dies.
	select {
	case sig := <-sigs:
		stopStart := time.Now()
		stopAll(children)
		children = nil
		etcd.Close()
		fmt.Printf("controlplane: stopped on %s in %.1fs\n", sig, time.Since(stopStart).Seconds())
		return nil
	case err := <-firstExit(children):
		return err
	}
}

func startEtcd(dataDir string, clientPort, peerPort int) (*embed.Etcd, error) {
	cfg := embed.NewConfig()
	cfg.Name = "controlplane"
	cfg.Dir = dataDir
	clientURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)}
	peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)}
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = "error"
	// A throwaway test store: no fsync per write, no metrics listener.
	cfg.UnsafeNoFsync = true
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, nil
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, fmt.Errorf("not ready after 60s")
	}
}

type credentials struct {
	servingCert, servingKey, saKey, tokens, kubeconfig, token string
	caPEM                                                     []byte
}

// writeCredentials writes a self-signed serving certificate for the address, the service
// account signing key, a static admin token (group system:masters) and a kubeconfig.
func writeCredentials(dir, address string, apiPort int) (*credentials, error) {
	pki := filepath.Join(dir, "pki")
	certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey(address, []net.IP{net.ParseIP(address), net.ParseIP("127.0.0.1")}, []string{"localhost"})
	if err != nil {
		return nil, err
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	saPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(saKey)})
	tokenBytes := make([]byte, 16)
	if _, err := rand.Read(tokenBytes); err != nil {
		return nil, err
	}
	c := &credentials{
		servingCert: filepath.Join(pki, "apiserver.crt"),
		servingKey:  filepath.Join(pki, "apiserver.key"),
		saKey:       filepath.Join(pki, "service-account.key"),
		tokens:      filepath.Join(pki, "tokens.csv"),
		kubeconfig:  filepath.Join(dir, "kubeconfig"),
		token:       hex.EncodeToString(tokenBytes),
		caPEM:       certPEM,
	}
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://%s:%d
    certificate-authority-data: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: local
  context: {cluster: local, user: admin}
current-context: local
`, address, apiPort, base64.StdEncoding.EncodeToString(certPEM), c.token)
	for path, content := range map[string][]byte{
		c.servingCert: certPEM,
		c.servingKey:  keyPEM,
		c.saKey:       saPEM,
		c.tokens:      []byte(c.token + ",admin,admin,system:masters\n"),
	} {
		if err := os.WriteFile(path, content, 0o600); err != nil {
			return nil, err
		}
	}
	// The kubeconfig is written last, under a temporary name first: its presence means the
	// credentials are complete (readiness is announced separately on stdout).
	if err := os.WriteFile(c.kubeconfig+".tmp", []byte(kubeconfig), 0o600); err != nil {
		return nil, err
	}
	return c, os.Rename(c.kubeconfig+".tmp", c.kubeconfig)
}

func adminClient(c *credentials) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.caPEM)
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
}

func get(client *http.Client, token, u string) error {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", u, resp.Status)
	}
	return nil
}

func startChild(name, self string, args []string, logDir string, configure func(*exec.Cmd)) (*child, error) {
	logFile, err := os.Create(filepath.Join(logDir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	// If this process is killed outright, the kernel kills the child too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if configure != nil {
		configure(cmd)
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, exited: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		logFile.Close()
		if err == nil {
			err = fmt.Errorf("exited")
		}
		c.err = fmt.Errorf("%s %w (log: %s)", name, err, logFile.Name())
		close(c.exited)
	}()
	return c, nil
}

// waitFor polls ready until it holds, failing early when a child exits or a signal arrives.
func waitFor(deadline time.Time, children []*child, sigs chan os.Signal, ready func() bool) error {
	exited := firstExit(children)
	for {
		if ready() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out")
		}
		select {
		case err := <-exited:
			return err
		case sig := <-sigs:
			return fmt.Errorf("interrupted by %s", sig)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func firstExit(children []*child) <-chan error {
	out := make(chan error, len(children))
	for _, c := range children {
		go func(c *child) {
			<-c.exited
			out <- c.err
		}(c)
	}
	return out
}

// stopAll sends SIGTERM to every child, newest first, and SIGKILL to any still running
// after 10 seconds.
func stopAll(children []*child) {
	for i := len(children) - 1; i >= 0; i-- {
		c := children[i]
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.exited:
		case <-time.After(10 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
	}
}

func freePorts(n int) ([]int, error) {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
