package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"

	"golang.org/x/net/dns/dnsmessage"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

// serveDNS answers the cluster's names from the apiserver, as a cluster DNS does for what the
// training operators rely on: `<service>.<namespace>.svc.<domain>` resolves to the addresses of
// the Service's endpoints (the node suite runs no kube-proxy, so a Service's cluster IP would
// lead nowhere), and `<hostname>.<subdomain>.<namespace>.svc.<domain>` to the pod with that
// hostname and subdomain (Indexed Jobs and JobSets name their pods so). Every other name is
// NXDOMAIN: nothing is forwarded, so no query leaves the suite's network namespace.
func serveDNS(args []string) int {
	flags := flag.NewFlagSet("dns", flag.ContinueOnError)
	kubeconfig := flags.String("kubeconfig", "", "kubeconfig of the apiserver (required)")
	listen := flags.String("listen", "", "UDP address to answer on, e.g. 10.250.0.1:53 (required)")
	domain := flags.String("domain", "cluster.local", "the cluster domain")
	if err := flags.Parse(args); err != nil || *kubeconfig == "" || *listen == "" {
		fmt.Fprintln(os.Stderr, "usage: node dns --kubeconfig FILE --listen ADDR [--domain cluster.local]")
		return 2
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dns: %v\n", err)
		return 1
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dns: %v\n", err)
		return 1
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	slices := factory.Discovery().V1().EndpointSlices().Informer()
	pods := factory.Core().V1().Pods().Informer()
	ctx := context.Background()
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), slices.HasSynced, pods.HasSynced) {
		fmt.Fprintln(os.Stderr, "dns: caches did not sync")
		return 1
	}
	conn, err := net.ListenPacket("udp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dns: %v\n", err)
		return 1
	}
	fmt.Printf("dns: answering for %s on %s\n", *domain, *listen)
	r := &resolver{domain: strings.TrimSuffix(*domain, ".") + ".", slices: slices.GetStore(), pods: pods.GetStore()}
	buf := make([]byte, 1500)
	var wg sync.WaitGroup
	for {
		n, addr, err := conn.ReadFrom(buf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "dns: %v\n", err)
			wg.Wait()
			return 1
		}
		query := append([]byte(nil), buf[:n]...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if reply := r.answer(query); reply != nil {
				_, _ = conn.WriteTo(reply, addr)
			}
		}()
	}
}

type resolver struct {
	domain string
	slices cache.Store
	pods   cache.Store
}

// lookup returns the IPv4 addresses of a fully qualified name, and whether the name exists.
func (r *resolver) lookup(name string) ([]net.IP, bool) {
	name = strings.ToLower(name)
	if !strings.HasSuffix(name, ".svc."+r.domain) {
		return nil, false
	}
	labels := strings.Split(strings.TrimSuffix(name, ".svc."+r.domain), ".")
	switch len(labels) {
	case 2: // <service>.<namespace>
		service, namespace := labels[0], labels[1]
		var ips []net.IP
		found := false
		for _, o := range r.slices.List() {
			slice := o.(*discoveryv1.EndpointSlice)
			if slice.Namespace != namespace || slice.Labels[discoveryv1.LabelServiceName] != service {
				continue
			}
			found = true
			for _, endpoint := range slice.Endpoints {
				for _, address := range endpoint.Addresses {
					if ip := net.ParseIP(address).To4(); ip != nil {
						ips = append(ips, ip)
					}
				}
			}
		}
		return ips, found
	case 3: // <hostname>.<subdomain>.<namespace>
		hostname, subdomain, namespace := labels[0], labels[1], labels[2]
		for _, o := range r.pods.List() {
			pod := o.(*corev1.Pod)
			if pod.Namespace == namespace && pod.Spec.Hostname == hostname && pod.Spec.Subdomain == subdomain && pod.Status.PodIP != "" &&
				pod.DeletionTimestamp == nil {
				return []net.IP{net.ParseIP(pod.Status.PodIP).To4()}, true
			}
		}
	}
	return nil, false
}

func (r *resolver) answer(query []byte) []byte {
	var parser dnsmessage.Parser
	header, err := parser.Start(query)
	if err != nil {
		return nil
	}
	question, err := parser.Question()
	if err != nil {
		return nil
	}
	reply := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: header.ID, Response: true, Authoritative: true, RecursionDesired: header.RecursionDesired})
	reply.EnableCompression()
	ips, found := r.lookup(question.Name.String())
	if !found {
		reply = dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: header.ID, Response: true, Authoritative: true,
			RecursionDesired: header.RecursionDesired, RCode: dnsmessage.RCodeNameError})
	}
	_ = reply.StartQuestions()
	_ = reply.Question(question)
	_ = reply.StartAnswers()
	if found && question.Type == dnsmessage.TypeA {
		for _, ip := range ips {
			var a [4]byte
			copy(a[:], ip)
			_ = reply.AResource(dnsmessage.ResourceHeader{Name: question.Name, Class: dnsmessage.ClassINET, TTL: 5}, dnsmessage.AResource{A: a})
		}
	}
	out, err := reply.Finish()
	if err != nil {
		return nil
	}
	return out
}
