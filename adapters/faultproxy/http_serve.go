package faultproxy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// ServeHTTP logs the request, applies the fault that selects it, if any,
// and forwards it.
func (p *HTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e, f := p.faults.arrive(call{verb: r.Method, path: r.URL.Path})
	defer p.faults.finish(e)
	if f == nil {
		p.proxy.ServeHTTP(w, r)
		return
	}
	if err := sleep(r.Context(), f.Delay); err != nil {
		return // the client gave up while we stalled, as on a slow server
	}
	if status := httpStatus(*f); status != 0 {
		answerFault(w, *f, status)
		return
	}
	if f.StripRange {
		r.Header.Del("Range")
		r.Header.Del("If-Range")
	}
	proxy := p.proxy
	if f.Rewrite != nil {
		proxy = p.rewritingProxy(*f.Rewrite)
	}
	proxy.ServeHTTP(newFaultWriter(w, *f), r)
}

// httpStatus is the status a fault answers with itself, or 0 to forward.
func httpStatus(f Fault) int {
	switch {
	case f.Status != 0:
		return f.Status
	case f.DenyWrites:
		return http.StatusForbidden
	}
	return 0
}

// answerFault writes a body shaped like Qdrant's errors, which Weaviate
// clients also read as an error message.
func answerFault(w http.ResponseWriter, f Fault, status int) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.retryAfterSeconds()))
	}
	msg := fmt.Sprintf("faultproxy: injected %d", status)
	if f.DenyWrites {
		msg = "faultproxy: injected write denial"
	}
	writeJSONError(w, status, msg)
}

type errorBody struct {
	Status struct {
		Error string `json:"error"`
	} `json:"status"`
	Time float64 `json:"time"`
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	var body errorBody
	body.Status.Error = msg
	b, _ := json.Marshal(body) // a struct of strings always marshals
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b) //nolint:errcheck // the client may have left; nothing to do
}

// sleep waits d, or returns early with ctx's error.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
