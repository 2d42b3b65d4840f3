package faultproxy

import (
	"net/http"
)

// corruptEvery is the stride of Corrupt: one flipped bit per this many bytes.
const corruptEvery = 4096

// faultWriter changes a forwarded response on its way to the client.
type faultWriter struct {
	http.ResponseWriter
	fault   Fault
	written int64 // body bytes passed on so far
}

func newFaultWriter(w http.ResponseWriter, f Fault) *faultWriter {
	return &faultWriter{ResponseWriter: w, fault: f}
}

// Unwrap lets http.ResponseController, which ReverseProxy flushes
// through, reach the real writer.
func (w *faultWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *faultWriter) WriteHeader(status int) {
	if w.fault.StripRange {
		w.Header().Del("Accept-Ranges")
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *faultWriter) Write(b []byte) (int, error) {
	if w.fault.Corrupt {
		b = corrupt(b, w.written)
	}
	if cut := w.fault.CutAfter; cut > 0 && w.written+int64(len(b)) > cut {
		w.cut(b[:cut-w.written])
	}
	n, err := w.ResponseWriter.Write(b)
	w.written += int64(n)
	return n, err
}

// cut sends the bytes still allowed, then aborts: net/http closes the
// connection without ending the body, so the client sees an unexpected
// EOF rather than a short but complete response.
func (w *faultWriter) cut(last []byte) {
	w.ResponseWriter.Write(last) //nolint:errcheck // aborting anyway
	http.NewResponseController(w.ResponseWriter).Flush()
	panic(http.ErrAbortHandler)
}

// corrupt returns b, copied, with the low bit flipped at every body offset
// that is a multiple of corruptEvery; off is b's offset in the body.
func corrupt(b []byte, off int64) []byte {
	first := (corruptEvery - off%corruptEvery) % corruptEvery
	if first >= int64(len(b)) {
		return b
	}
	c := append([]byte(nil), b...)
	for i := first; i < int64(len(c)); i += corruptEvery {
		c[i] ^= 1
	}
	return c
}
