package faultproxy

import (
	"context"
	"fmt"
	"sync"
)

// call is what a matcher sees: an HTTP method and path, or for gRPC an
// empty verb and the full method name.
type call struct {
	verb, path string
}

type matcher func(call) bool

// dialect is what differs between the HTTP and gRPC tables: how a Match
// string is read and which calls modify data.
type dialect struct {
	name    string
	compile func(match string) (matcher, error)
	writes  func(call) bool
	check   func(Fault) error
}

type rule struct {
	fault Fault
	match matcher
	left  int // calls still to hit; -1 means no limit
}

type entry struct {
	call    call
	faulted bool
	done    bool
}

// table holds a proxy's faults and the log of calls it has seen. The log is
// kept whole so Calls can count any Match string after the fact.
type table struct {
	dialect dialect

	mu      sync.Mutex
	rules   []*rule
	log     []*entry
	changed chan struct{} // closed and replaced whenever the log changes
}

func newTable(d dialect) *table {
	return &table{dialect: d, changed: make(chan struct{})}
}

// inject panics on a Fault the proxy cannot honour, the way
// regexp.MustCompile does, since it is a mistake in the test itself.
func (t *table) inject(f Fault) {
	m := t.mustCompile(f.Match)
	if err := t.dialect.check(f); err != nil {
		panic(fmt.Sprintf("faultproxy: %s Fault %+v: %v", t.dialect.name, f, err))
	}
	left := f.Times
	if left <= 0 {
		left = -1
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rules = append(t.rules, &rule{fault: f, match: m, left: left})
}

func (t *table) mustCompile(match string) matcher {
	m, err := t.dialect.compile(match)
	if err != nil {
		panic(fmt.Sprintf("faultproxy: %s match %q: %v", t.dialect.name, match, err))
	}
	return m
}

func (t *table) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rules, t.log = nil, nil
	t.notifyLocked()
}

// arrive logs a call and picks the first unexhausted fault that matches it.
func (t *table) arrive(c call) (*entry, *Fault) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := &entry{call: c}
	t.log = append(t.log, e)
	t.notifyLocked()
	for _, r := range t.rules {
		if r.left == 0 || !r.match(c) {
			continue
		}
		if r.fault.DenyWrites && !t.dialect.writes(c) {
			continue
		}
		if r.left > 0 {
			r.left--
		}
		e.faulted = true
		f := r.fault
		return e, &f
	}
	return e, nil
}

func (t *table) finish(e *entry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e.done = true
	t.notifyLocked()
}

func (t *table) notifyLocked() {
	close(t.changed)
	t.changed = make(chan struct{})
}

// Counts of the calls a Match string selects; see count.
type counts struct {
	arrived, faulted, completed int
}

func (t *table) count(match string) counts {
	m := t.mustCompile(match)
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.countLocked(m)
}

func (t *table) countLocked(m matcher) counts {
	var n counts
	for _, e := range t.log {
		if !m(e.call) {
			continue
		}
		n.arrived++
		if e.faulted {
			n.faulted++
		}
		if e.done {
			n.completed++
		}
	}
	return n
}

// waitCompleted blocks until n calls selected by match have completed.
func (t *table) waitCompleted(ctx context.Context, match string, n int) error {
	m := t.mustCompile(match)
	for {
		t.mu.Lock()
		got, changed := t.countLocked(m).completed, t.changed
		t.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("faultproxy: %s waiting for %d completed calls matching %q, saw %d: %w",
				t.dialect.name, n, match, got, ctx.Err())
		}
	}
}
