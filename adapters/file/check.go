package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/vecmig/vecmig/adapters"
)

var _ adapters.SourceChecker = (*Source)(nil)

// CheckSource proves the dump can be read in full before anything is
// written: the manifest is finished, and every points file exists, has the
// size and SHA-256 the manifest records, and decodes to its end with the
// number of points the manifest records. Each bad file is one error
// Finding. Files are streamed, so memory stays bounded whatever their
// size; the returned error is only for the end of ctx.
func (s *Source) CheckSource(ctx context.Context) ([]adapters.Finding, error) {
	s.mu.Lock()
	m, err := s.manifest()
	s.mu.Unlock()
	if err != nil {
		return []adapters.Finding{s.finding(err)}, nil
	}
	var out []adapters.Finding
	for _, e := range m.Partitions {
		facts, err := s.checkFile(ctx, e)
		if err != nil {
			return nil, err
		}
		if len(facts) > 0 {
			out = append(out, s.finding(s.damaged(e, facts...)))
		}
	}
	return out, nil
}

// finding turns one of the dump's errors into an error Finding about the
// dump, its message without the "file DIR: " the subject already says.
func (d dump) finding(err error) adapters.Finding {
	subject := "file " + d.dir
	return adapters.Finding{
		Level:   adapters.LevelError,
		Kind:    adapters.KindOf(err),
		Subject: subject,
		Message: strings.TrimPrefix(err.Error(), subject+": "),
	}
}

// damaged is the one error for a points file that is not what the
// manifest says, from CheckSource and from a read that meets it: facts
// says how it differs.
func (d dump) damaged(e *partEntry, facts ...string) error {
	part := ""
	if e.Name != "" {
		part = fmt.Sprintf(" (partition %q)", e.Name)
	}
	return d.errorf(adapters.KindInvalid,
		"points file %s%s is damaged: %s; the dump was changed or cut after it was written; make it again with vecmig migrate --to file://%s --on-exists recreate",
		e.File, part, strings.Join(facts, ", "), d.dir)
}

// Facts about a points file that differs from its manifest entry.
func missingFact() string { return "it is missing" }

func sumFact(have, want string) string {
	return fmt.Sprintf("its sha256 is %s where %s records %s", shortSum(have), manifestName, shortSum(want))
}

func cutFact(lines int, want uint64) string {
	return fmt.Sprintf("it ends in the middle of a line or of its gzip stream after %d of the %d points %s records", lines, want, manifestName)
}

func corruptFact(ce *corruptError) string { return fmt.Sprintf("it cannot be decoded at %v", ce) }

func countFact(have, want uint64) string {
	return fmt.Sprintf("it holds %d points where %s records %d", have, manifestName, want)
}

// shortSum keeps enough of a SHA-256 to tell two apart in a message.
func shortSum(s string) string {
	if s == "" {
		return "nothing"
	}
	if len(s) > 16 {
		return s[:16] + "..."
	}
	return s
}

// checkFile reads a points file to its end and says how it differs from
// e; nil when it does not.
func (d dump) checkFile(ctx context.Context, e *partEntry) ([]string, error) {
	sc, err := openScanner(d.path(e.File))
	if errors.Is(err, fs.ErrNotExist) {
		return []string{missingFact()}, nil
	}
	if err != nil {
		return []string{fmt.Sprintf("it cannot be opened (%v)", err)}, nil
	}
	defer sc.Close()
	for {
		if sc.lines%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		_, _, err := sc.next()
		if errors.Is(err, io.EOF) {
			return endFacts(e, sc, ""), nil
		}
		if err != nil {
			broken, ok := brokenFact(sc, e, err)
			if !ok {
				return []string{fmt.Sprintf("it cannot be read (%v)", err)}, nil
			}
			return restFacts(e, sc, broken), nil
		}
	}
}

// brokenFact says why a points file stopped decoding before its end: cut
// short or corrupt; false for any other error (I/O).
func brokenFact(sc *scanner, e *partEntry, err error) (string, bool) {
	var ce *corruptError
	switch {
	case errors.Is(err, errCutShort):
		return cutFact(sc.lines, e.Count), true
	case errors.As(err, &ce):
		return corruptFact(ce), true
	}
	return "", false
}

// restFacts reads the rest of a file that stopped decoding, so that its
// checksum and size are compared too, and says how it differs from e.
func restFacts(e *partEntry, sc *scanner, broken string) []string {
	if _, err := io.Copy(io.Discard, sc.src); err != nil {
		return []string{broken, fmt.Sprintf("it cannot be read to its end (%v)", err)}
	}
	return endFacts(e, sc, broken)
}

// endFacts says how a points file read to its end (sc) differs from e;
// broken is why decoding stopped early, "" when it did not.
func endFacts(e *partEntry, sc *scanner, broken string) []string {
	var facts []string
	if broken != "" {
		facts = append(facts, broken)
	}
	if st, err := sc.f.Stat(); err == nil && e.Size > 0 && st.Size() != e.Size {
		facts = append(facts, fmt.Sprintf("it has %d bytes where %s records %d", st.Size(), manifestName, e.Size))
	}
	if broken == "" && uint64(sc.lines) != e.Count {
		facts = append(facts, countFact(uint64(sc.lines), e.Count))
	}
	if sum := sc.sum(); sum != e.SHA256 {
		facts = append(facts, sumFact(sum, e.SHA256))
	}
	return facts
}
