package main

// A full disk, for real: vecmig runs in a private mount namespace
// (unshare) whose --temp-dir is a tmpfs of a few pages, so the free space
// it checks and the writes that fail are the kernel's own.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// smallDiskScript mounts a tmpfs of $SIZE bytes on $DIR, optionally fills
// it once a snapshot file has bytes in it ($FILL), runs vecmig, and lists
// what vecmig left in $DIR as "left: PATH" lines on stderr.
const smallDiskScript = `
mount -t tmpfs -o size="$SIZE",mode=0700 vecmig-test "$DIR" || exit 97
if [ -n "$FILL" ]; then
	( until [ -n "$(find "$DIR" -name '*.snapshot' -size +0c 2>/dev/null)" ]; do sleep 0.02; done
	  cat /dev/zero > "$DIR/filler" 2>/dev/null; echo "filled" > "$DIR.filled" ) &
	filler=$!
fi
"$@"; rc=$?
[ -n "$FILL" ] && kill $filler 2>/dev/null
wait
rm -f "$DIR/filler"
find "$DIR" -mindepth 1 | sed 's/^/left: /' >&2
exit $rc
`

// runOnSmallDisk runs vecmig with --temp-dir on a tmpfs of size bytes;
// fill makes a second process take all its free space as soon as the
// download has begun writing.
func runOnSmallDisk(t *testing.T, size int64, fill bool, env []string, args ...string) (result, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ns := []string{"--mount"}
	if os.Geteuid() != 0 {
		ns = append(ns, "--map-root-user") // a user namespace lets a non-root user mount a tmpfs
	}
	cmdArgs := append(ns, "sh", "-c", smallDiskScript, "sh", vecmigBin)
	cmdArgs = append(cmdArgs, append(args, "--temp-dir", dir)...)
	cmd := exec.Command("unshare", cmdArgs...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, fmt.Sprintf("SIZE=%d", size), "DIR="+dir)
	if fill {
		cmd.Env = append(cmd.Env, "FILL=1")
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{out.String(), errb.String(), 0}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run vecmig in a mount namespace: %v", err)
	}
	if r.code == 97 {
		t.Fatalf("cannot mount a tmpfs in a private mount namespace (unshare %s): %s; this test needs root or unprivileged user namespaces", strings.Join(ns, " "), r.stderr)
	}
	return r, dir
}

// leftIn lists the "left:" lines of the script.
func leftIn(stderr string) []string {
	var left []string
	for _, l := range strings.Split(stderr, "\n") {
		if p, ok := strings.CutPrefix(l, "left: "); ok {
			left = append(left, p)
		}
	}
	return left
}

// pageUp rounds n up to whole 4 KiB pages, as tmpfs sizes go.
func pageUp(n int64) int64 { return (n + 4095) / 4096 * 4096 }

func TestSnapshotDiskFull(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	ctx := adaptertest.Ctx(t)
	coll := loadSnapCollection(t, q1, "qdrant_int_dense", "disk", 300)
	from := q1.Endpoint(coll)
	r := runVecmig(t, t.TempDir(), qenv(q1, q2), "snapshot", "create", from)
	mustExit(t, r, 0)
	list := snapList(t, q1, from, false)
	if len(list) != 1 || list[0].Size < 3*4096 {
		t.Fatalf("want one snapshot of at least 3 pages to fill a disk with, have %+v", list)
	}
	snap := list[0]
	targetAbsent := func(t *testing.T, to string) {
		t.Helper()
		if ok, err := q2.Client(t).CollectionExists(ctx, to); err != nil || ok {
			t.Errorf("the target %s was created (exists=%v, %v)", to, ok, err)
		}
	}

	// Known size, too little room: the plan refuses before anything is made.
	t.Run("plan", func(t *testing.T) {
		to := q2.NewName(t, "disk")
		small := pageUp(snap.Size/2) - 4096
		r, dir := runOnSmallDisk(t, small, false, qenv(q1, q2), "migrate", "--method", "snapshot", "--snapshot", snap.Name, "--from", from, "--to", q2.Endpoint(to))
		mustExit(t, r, 2)
		want := fmt.Sprintf("snapshot %s needs %d bytes in %s, which has %d bytes free", snap.Name, snap.Size, dir, small)
		if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "--temp-dir") {
			t.Errorf("stderr lacks %q and --temp-dir:\n%s", want, r.stderr)
		}
		targetAbsent(t, to)
		if left := leftIn(r.stderr); len(left) != 0 {
			t.Errorf("files left in --temp-dir: %v", left)
		}
	})

	// Size unknown to the plan (no --snapshot): the snapshot vecmig makes
	// is measured before the download, refused, and deleted.
	t.Run("made", func(t *testing.T) {
		// Another collection: Qdrant names a snapshot by collection and
		// second, so one made now of the first could take snap's name.
		from := q1.Endpoint(loadSnapCollection(t, q1, "qdrant_int_dense", "disk", 300))
		to := q2.NewName(t, "disk")
		small := pageUp(snap.Size/2) - 4096
		r, dir := runOnSmallDisk(t, small, false, qenv(q1, q2), "migrate", "--method", "snapshot", "--from", from, "--to", q2.Endpoint(to))
		mustExit(t, r, 2)
		if want := fmt.Sprintf("which has %d bytes free", small); !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, dir) {
			t.Errorf("stderr lacks %q and %s:\n%s", want, dir, r.stderr)
		}
		if l := snapList(t, q1, from, false); len(l) != 0 {
			t.Errorf("the snapshot vecmig made is still on the source: %+v", l)
		}
		targetAbsent(t, to)
		if left := leftIn(r.stderr); len(left) != 0 {
			t.Errorf("files left in --temp-dir: %v", left)
		}
	})

	// Room at the start, gone midway (another process fills the disk):
	// the download stops with the path, the bytes written of the total
	// and what to do, and removes the partial file; the target is not
	// touched. The proxy cuts the first download and holds the resumed
	// one, so the disk is full before the download can finish.
	t.Run("midway", func(t *testing.T) {
		to := q2.NewName(t, "disk")
		src := qdranttest.StartProxy(t, q1)
		src.HTTP.Inject(faultproxy.Fault{Match: matchDownload, Times: 1, CutAfter: snap.Size / 3})
		src.HTTP.Inject(faultproxy.Fault{Match: matchDownload, Times: 1, Delay: 5 * time.Second})
		r, dir := runOnSmallDisk(t, pageUp(2*snap.Size), true, qenv(q1, q2), "migrate", "--method", "snapshot", "--snapshot", snap.Name, "--from", src.Endpoint(coll), "--to", q2.Endpoint(to))
		mustExit(t, r, 2)
		line := refusal(t, r.stderr, "no space left")
		for _, want := range []string{dir + "/vecmig-snapshot-", snap.Name, fmt.Sprintf(" of %d bytes", snap.Size), "free space in " + dir, "--temp-dir", "the partial file was removed"} {
			if !strings.Contains(line, want) {
				t.Errorf("the error line lacks %q:\n%s", want, r.stderr)
			}
		}
		if _, err := os.Stat(dir + ".filled"); err != nil {
			t.Errorf("the disk was never filled (%v): the test proved nothing", err)
		}
		if n := src.HTTP.Calls(matchUpload) + src.HTTP.Calls(matchRecover); n != 0 {
			t.Errorf("%d upload/recover requests went out", n)
		}
		targetAbsent(t, to)
		if left := leftIn(r.stderr); len(left) != 0 {
			t.Errorf("files left in --temp-dir: %v", left)
		}
	})
}
