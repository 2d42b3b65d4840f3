package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vecmig/vecmig/verify"
)

// TestReportIsPrivate: a report quotes points of the collection; it is
// written 0600, also over an older report others could read.
func TestReportIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeReport(path, &verify.Report{}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("report has mode %o, want 600", fi.Mode().Perm())
	}
}
