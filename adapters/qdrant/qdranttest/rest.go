package qdranttest

import (
	"encoding/json"
	"net/http"
	"time"
)

// restHandler serves the REST API (Qdrant's port 6333): one handler per
// route on a ServeMux, behind the API-key check.
func (s *Server) restHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.route("Root", s.restRoot))
	mux.HandleFunc("GET /healthz", s.restProbe("healthz check passed"))
	mux.HandleFunc("GET /livez", s.restProbe("livez check passed"))
	mux.HandleFunc("GET /readyz", s.restProbe("all shards are ready"))
	mux.HandleFunc("GET /collections/{collection}", s.route("GetCollection", s.restGetCollection))
	s.registerSnapshotRoutes(mux)
	return s.restAuth(mux)
}

// restAuth mirrors Qdrant's REST auth: the probes are open, everything else
// needs the key (401 when missing or wrong).
func (s *Server) restAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/livez", "/readyz":
			next.ServeHTTP(w, r)
			return
		}
		if err := s.keyOK(r.Header.Get); err != nil {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(err.Error()))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// restOK writes Qdrant's success envelope.
func restOK(w http.ResponseWriter, start time.Time, result any) {
	writeJSON(w, http.StatusOK, map[string]any{"result": result, "status": "ok", "time": elapsed(start)})
}

// restError writes Qdrant's error envelope.
func restError(w http.ResponseWriter, code int, start time.Time, msg string) {
	writeJSON(w, code, map[string]any{"status": map[string]string{"error": msg}, "time": elapsed(start)})
}

func (s *Server) restRoot(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"title": healthTitle, "version": s.opts.Version})
}

func (s *Server) restProbe(text string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(text))
	}
}

func (s *Server) restGetCollection(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	name := r.PathValue("collection")
	c, err := s.lookup(name)
	if err != nil {
		restError(w, http.StatusNotFound, start, "Not found: Collection `"+name+"` doesn't exist!")
		return
	}
	c.mu.RLock()
	n := len(c.points)
	c.mu.RUnlock()
	restOK(w, start, map[string]any{"status": "green", "optimizer_status": "ok", "points_count": n, "segments_count": 1})
}
