package mapping

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Weaviate names (properties, nested properties, named vectors) match
// [_A-Za-z][_0-9A-Za-z]*, are at most 230 characters, are compared without
// regard to the case of their first letter, and some are reserved. Qdrant
// payload keys and vector names can be anything. Going to Weaviate, a name
// that does not fit is renamed by this rule, applied to the names of one
// object level at a time:
//
//  1. every character outside [_0-9A-Za-z] becomes "_";
//  2. a name that is empty or starts with a digit gets "_" in front;
//  3. an upper-case first letter becomes lower-case;
//  4. a reserved name gets "_" appended;
//  5. the result is cut to 230 characters;
//  6. names that fit are kept first; a renamed one that collides with a
//     kept or an earlier renamed name (renamed names taken in sorted order)
//     gets "_2", "_3", ... appended until it is free.
//
// The original name is recorded in the target (the property's description,
// the class's description for vectors), so verify and the way back
// restore it whatever data came later.

// maxName is Weaviate's longest property name.
const maxName = 230

// reserved are names Weaviate refuses for properties ("is a reserved
// property name"); "vector" and "vectors" are accepted (seen on 1.35.2).
var reserved = map[string]bool{"id": true, "_id": true, "_additional": true}

// ValidName reports whether name is usable as it is in Weaviate.
func ValidName(name string) bool { return sanitize(name) == name }

func sanitize(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '_', r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "_" + s
	}
	if s[0] >= 'A' && s[0] <= 'Z' {
		s = strings.ToLower(s[:1]) + s[1:]
	}
	if reserved[s] {
		s += "_"
	}
	if len(s) > maxName {
		s = s[:maxName]
	}
	return s
}

// foldFirst is the form two names are compared in: first letter lower-case.
func foldFirst(s string) string {
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		return strings.ToLower(s[:1]) + s[1:]
	}
	return s
}

// Rename maps the names of one object level to Weaviate names, following
// the rule above. The result holds every name (kept ones map to
// themselves).
func RenameAll(names []string) map[string]string {
	out := make(map[string]string, len(names))
	taken := map[string]bool{}
	var renamed []string
	for _, n := range names {
		if ValidName(n) {
			out[n] = n
			taken[foldFirst(n)] = true
		} else {
			renamed = append(renamed, n)
		}
	}
	sort.Strings(renamed)
	for _, n := range renamed {
		base := sanitize(n)
		cand := base
		for i := 2; taken[foldFirst(cand)]; i++ {
			suffix := "_" + strconv.Itoa(i)
			cand = base[:min(len(base), maxName-len(suffix))] + suffix
		}
		taken[foldFirst(cand)] = true
		out[n] = cand
	}
	return out
}

// keyMarker starts the description vecmig gives a renamed property.
const keyMarker = "vecmig: payload key "

// KeyDescription is the description recording a property's original key.
func KeyDescription(key string) string { return keyMarker + strconv.Quote(key) }

// KeyFromDescription reads the original key back, if d records one.
func KeyFromDescription(d string) (string, bool) {
	if !strings.HasPrefix(d, keyMarker) {
		return "", false
	}
	k, err := strconv.Unquote(strings.TrimPrefix(d, keyMarker))
	return k, err == nil
}

// vectorMarker starts the line of a class description that records
// renamed vectors: "vecmig: vector names {"my_vec":"my-vec"}" (JSON,
// Weaviate name to original).
const vectorMarker = "vecmig: vector names "

// VectorNamesDescription records renamed vectors (Weaviate name ->
// original) as one description line; "" when there is none.
func VectorNamesDescription(back map[string]string) string {
	if len(back) == 0 {
		return ""
	}
	keys := make([]string, 0, len(back))
	for k := range back {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = strconv.Quote(k) + ":" + strconv.Quote(back[k])
	}
	return vectorMarker + "{" + strings.Join(parts, ",") + "}"
}

// VectorNamesFromDescription reads the table back from a class
// description (any line of it).
func VectorNamesFromDescription(d string) (map[string]string, error) {
	for _, line := range strings.Split(d, "\n") {
		if !strings.HasPrefix(line, vectorMarker) {
			continue
		}
		var m map[string]string
		if err := jsonUnmarshal(strings.TrimPrefix(line, vectorMarker), &m); err != nil {
			return nil, fmt.Errorf("the class description's vector names are not readable: %w", err)
		}
		return m, nil
	}
	return nil, nil
}
