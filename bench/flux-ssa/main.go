// Command flux-ssa drives fluxcd/pkg/ssa's ResourceManager, the apply engine of Flux's
// kustomize-controller, the way the controller does: staged server-side apply of a set of
// objects with its default concurrency, then the same set again (a no-op reconcile). It reads
// the objects as JSON lines from -objects and prints one JSON line: the wall time of each pass
// and the requests it sent (counted in the client's transport).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
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
	objectsFile := flag.String("objects", "", "objects, one JSON document per line")
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

	read := func() []*unstructured.Unstructured {
		f, err := os.Open(*objectsFile)
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
	pass := func() (float64, int64, int) {
		objs := read()
		before := requests.Load()
		start := time.Now()
		cs, err := rm.ApplyAllStaged(context.Background(), objs, ssa.DefaultApplyOptions())
		if err != nil {
			fail(err)
		}
		return float64(time.Since(start).Microseconds()) / 1000, requests.Load() - before, len(cs.Entries)
	}
	coldMs, coldReq, n := pass()
	noopMs, noopReq, _ := pass()
	out, _ := json.Marshal(map[string]interface{}{"objects": n, "coldMs": coldMs, "coldRequests": coldReq, "noopMs": noopMs, "noopRequests": noopReq})
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "flux-ssa:", err)
	os.Exit(1)
}
