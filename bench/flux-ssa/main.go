// Command flux-ssa drives fluxcd/pkg/ssa's ResourceManager, the apply engine of Flux's
// kustomize-controller, the way the controller does on each reconcile: staged server-side apply
// of the whole build with its default concurrency (every object dry-run, the changed ones
// written). -passes lists files of objects (JSON lines), applied in that order, one
// ApplyAllStaged each, in one process (a file may repeat: the same build again is a no-op
// reconcile). It prints one JSON line: per pass the wall time and the requests it sent (counted
// in the client's transport), and the process's own peak RSS (getrusage's ru_maxrss).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

type counting struct {
	next     http.RoundTripper
	requests *atomic.Int64
}

func (c counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.requests.Add(1)
	return c.next.RoundTrip(r)
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig file")
	passes := flag.String("passes", "", "comma-separated files of objects (one JSON document per line), one apply each, in order")
	concurrency := flag.Int("concurrency", 4, "objects applied at once (kustomize-controller's --concurrent-ssa default)")
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fail(err)
	}
	// kustomize-controller's defaults (--kube-api-qps, --kube-api-burst).
	cfg.QPS = 50
	cfg.Burst = 300
	var requests atomic.Int64
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { return counting{next: rt, requests: &requests} }
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		fail(err)
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		fail(err)
	}
	c, err := client.New(cfg, client.Options{Mapper: mapper, HTTPClient: httpClient})
	if err != nil {
		fail(err)
	}
	rm := ssa.NewResourceManager(c, polling.NewStatusPoller(c, mapper, polling.Options{}), ssa.Owner{Field: "kustomize-controller", Group: "kustomize.toolkit.fluxcd.io"})
	rm.SetConcurrency(*concurrency)

	read := func(file string) []*unstructured.Unstructured {
		f, err := os.Open(file)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		var out []*unstructured.Unstructured
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var m map[string]interface{}
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				fail(err)
			}
			out = append(out, &unstructured.Unstructured{Object: m})
		}
		return out
	}
	type result struct {
		Ms       float64 `json:"ms"`
		Requests int64   `json:"requests"`
		Objects  int     `json:"objects"`
		Changed  int     `json:"changed"`
	}
	var results []result
	for _, file := range strings.Split(*passes, ",") {
		objs := read(file)
		before := requests.Load()
		start := time.Now()
		cs, err := rm.ApplyAllStaged(context.Background(), objs, ssa.DefaultApplyOptions())
		if err != nil {
			fail(err)
		}
		changed := 0
		for _, e := range cs.Entries {
			if e.Action != ssa.UnchangedAction {
				changed++
			}
		}
		results = append(results, result{Ms: float64(time.Since(start).Microseconds()) / 1000, Requests: requests.Load() - before, Objects: len(cs.Entries), Changed: changed})
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail(err)
	}
	// ru_maxrss is in KiB on Linux.
	out, _ := json.Marshal(map[string]interface{}{"passes": results, "peakRssKiB": ru.Maxrss})
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "flux-ssa:", err)
	os.Exit(1)
}
