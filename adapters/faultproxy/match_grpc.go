package faultproxy

import (
	"errors"
	"strings"
)

var grpcDialect = dialect{
	name:    "gRPC",
	compile: compileGRPC,
	writes:  grpcWrites,
	check:   checkGRPC,
}

// compileGRPC reads "Upsert", "Points/Upsert", "/qdrant.Points/Upsert" or
// ""/"*"; the catch-all leaves health checks alone so a client's probes do
// not use up a fault's Times.
func compileGRPC(match string) (matcher, error) {
	match = strings.TrimSpace(match)
	switch {
	case match == "" || match == "*":
		return func(c call) bool { return !isHealthCheck(c.path) }, nil
	case strings.HasPrefix(match, "/"):
		return func(c call) bool { return c.path == match }, nil
	case strings.Count(match, "/") == 1:
		return func(c call) bool {
			service, method := splitMethod(c.path)
			return shortService(service)+"/"+method == match
		}, nil
	case !strings.Contains(match, "/"):
		return func(c call) bool {
			_, method := splitMethod(c.path)
			return method == match
		}, nil
	}
	return nil, errors.New(`want "Upsert", "Points/Upsert" or "/qdrant.Points/Upsert"`)
}

// splitMethod splits "/qdrant.Points/Upsert" into "qdrant.Points", "Upsert".
func splitMethod(full string) (service, method string) {
	full = strings.TrimPrefix(full, "/")
	if i := strings.LastIndexByte(full, '/'); i >= 0 {
		return full[:i], full[i+1:]
	}
	return "", full
}

// shortService drops the package: "qdrant.Points" becomes "Points".
func shortService(service string) string {
	return service[strings.LastIndexByte(service, '.')+1:]
}

func isHealthCheck(full string) bool {
	service, method := splitMethod(full)
	return service == "grpc.health.v1.Health" || (service == "qdrant.Qdrant" && method == "HealthCheck")
}

// writePrefixes start the names of Qdrant's and Weaviate's data-changing
// methods (Upsert, DeletePayload, CreateFull, BatchObjects, ...).
var writePrefixes = []string{"Upsert", "Delete", "Create", "Update", "Set", "Overwrite", "Clear", "Batch", "Recover"}

func grpcWrites(c call) bool {
	_, method := splitMethod(c.path)
	for _, p := range writePrefixes {
		if strings.HasPrefix(method, p) {
			return true
		}
	}
	return false
}

func checkGRPC(f Fault) error {
	switch {
	case f.Status != 0:
		return errors.New("Status is for HTTP; use Code")
	case f.Corrupt || f.StripRange:
		return errors.New("Corrupt and StripRange are HTTP-only")
	}
	if err := checkRewrite(f, true); err != nil {
		return err
	}
	return checkEffects(f, f.Code != 0)
}
