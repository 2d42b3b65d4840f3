package qdrant

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/vecmig/vecmig/adapters"
)

// copyBuffer is the chunk both directions copy with.
const copyBuffer = 1 << 20

// Download is the outcome of a snapshot download.
type Download struct {
	Path    string
	Size    int64
	SHA256  string
	Resumed int // times a cut download continued with Range
	Restart int // times it started over (no Range support)
}

// Download streams snapshot name of coll ("" for a full snapshot) into
// path, created with mode 0600 (it must not exist: the caller owns the
// directory). A connection cut midway continues with Range when the server
// advertised Accept-Ranges, else starts over, within the policy's bounds. The
// SHA-256 is computed while streaming; when checksum is set and differs,
// the file is removed and the error is KindInvalid.
//
// Before the first byte is written, the free space of path's directory is
// checked against the size the server announces; a write that fails (the
// disk filled up meanwhile) stops the download with the path, the bytes
// written of the total, and what to do. Either way the partial file is
// removed, and the error says so.
func (s *Snapshots) Download(ctx context.Context, coll, name, path, checksum string, progress func(done, total int64)) (*Download, error) {
	create := s.opts.createFile
	if create == nil {
		create = createSnapshotFile
	}
	f, err := create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: download snapshot %q: create %s: %w", s.Prefix(coll), name, path, err)
	}
	d, err := s.download(ctx, f, path, coll, name, checksum, progress)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = &diskError{prefix: s.Prefix(coll), name: name, path: path, have: -1, err: cerr}
	}
	if err != nil {
		rmErr := os.Remove(path)
		var de *diskError
		if errors.As(err, &de) {
			return nil, de.final(rmErr)
		}
		return nil, err
	}
	d.Path = path
	return d, nil
}

func (s *Snapshots) download(ctx context.Context, f snapshotFile, path, coll, name, checksum string, progress func(done, total int64)) (*Download, error) {
	what := fmt.Sprintf("download snapshot %q", name)
	p := snapPath(coll) + "/" + url.PathEscape(name)
	h := sha256.New()
	var have, total int64 = 0, -1
	d := &Download{}
	canRange := false
	etag := "" // of the first answer: a resumed range must come from the same file
	buf := make([]byte, copyBuffer)
	// The cuts of this download share a budget: --retries and
	// --retry-timeout bound the cuts in a row that brought no bytes, as
	// they bound each request. A try that brought bytes starts a new one,
	// so that a long download cut now and then goes on.
	op := fmt.Sprintf("qdrant %s: download of %q", s.addr, name)
	cuts := s.opts.Retry.Budget(op)
	broke := 0
	for {
		req, err := s.newRequest(ctx, http.MethodGet, p, nil)
		if err != nil {
			return nil, err
		}
		// Asked for gzip (as Go's transport does unless told otherwise),
		// Qdrant compresses a whole download on the fly: no Content-Length,
		// its CPU as the limit, and damage shows as a gzip error instead of
		// a checksum mismatch. The file itself is what vecmig wants.
		req.Header.Set("Accept-Encoding", "identity")
		if have > 0 && canRange {
			req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
			if etag != "" {
				// A file replaced meanwhile comes back whole (200), not as a tail.
				req.Header.Set("If-Range", etag)
			}
		}
		resp, err := s.do(ctx, req, coll, what)
		if err != nil {
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusPartialContent && have > 0 && canRange:
			if start, ok := rangeStart(resp.Header.Get("Content-Range")); !ok || start != have {
				resp.Body.Close()
				return nil, fmt.Errorf("%s: %s: the server answered a range starting at %d, not at %d; download again", s.Prefix(coll), what, start, have)
			}
		case resp.StatusCode == http.StatusOK:
			if have > 0 {
				// Starting over: the server sent the whole file.
				if err := restart(f, h); err != nil {
					resp.Body.Close()
					return nil, err
				}
				have = 0
			}
			total = resp.ContentLength
			if err := s.roomFor(coll, name, path, total); err != nil {
				resp.Body.Close()
				return nil, err
			}
			canRange = resp.Header.Get("Accept-Ranges") == "bytes"
			if etag = resp.Header.Get("ETag"); strings.HasPrefix(etag, "W/") {
				etag = "" // If-Range takes strong validators only
			}
		default:
			resp.Body.Close()
			return nil, fmt.Errorf("%s: %s: unexpected answer %s", s.Prefix(coll), what, resp.Status)
		}
		n, err := copyHashed(f, h, resp.Body, buf, func(n int64) {
			if progress != nil {
				progress(have+n, total)
			}
		})
		resp.Body.Close()
		have += n
		if err == nil && (total < 0 || have == total) {
			break
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %s: %w", s.Prefix(coll), what, ctx.Err())
		}
		var werr *writeError
		if errors.As(err, &werr) {
			return nil, &diskError{prefix: s.Prefix(coll), name: name, path: path, have: have, total: total, err: werr.err}
		}
		if err == nil {
			err = fmt.Errorf("got %d of %d bytes", have, total)
		}
		how := "continuing from there"
		if !canRange {
			how = "the server does not accept ranges, starting over"
		}
		broke++
		if n > 0 {
			cuts = s.opts.Retry.Budget(op)
		}
		wait, gaveUp := cuts.Next(fmt.Errorf("cut after %d of %d bytes (%v); %s", have, total, err, how), 0)
		if gaveUp != nil {
			gaveUp.Err = adapters.Retryable(fmt.Errorf("%s: %s: the connection broke %d times, the last %d in a row without progress (last after %d of %d bytes: %v); check the network and run again", s.Prefix(coll), what, broke, cuts.Tries(), have, total, err), 0)
			return nil, gaveUp
		}
		if canRange {
			d.Resumed++
		} else {
			d.Restart++
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: %s: %w", s.Prefix(coll), what, ctx.Err())
		case <-time.After(wait):
		}
	}
	d.Size = have
	d.SHA256 = hex.EncodeToString(h.Sum(nil))
	if checksum != "" && !strings.EqualFold(checksum, d.SHA256) {
		return nil, adapters.Errorf(adapters.KindInvalid, "%s: snapshot %q: checksum mismatch: the %d downloaded bytes have SHA-256 %s, the server announced %s; the file was damaged in transit or on the server's disk, so it was deleted and nothing was uploaded. Run again; if it repeats, create a new snapshot",
			s.Prefix(coll), name, have, d.SHA256, checksum)
	}
	return d, nil
}

func restart(f snapshotFile, h hash.Hash) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	h.Reset()
	return nil
}

// rangeStart reads the first byte of "bytes START-END/TOTAL".
func rangeStart(cr string) (int64, bool) {
	rest, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return 0, false
	}
	a, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(a, 10, 64)
	return n, err == nil
}

type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// copyHashed copies r into f and h; a failed write is a *writeError, a
// failed read is returned as is (a cut connection).
func copyHashed(f io.Writer, h hash.Hash, r io.Reader, buf []byte, progress func(int64)) (int64, error) {
	var n int64
	for {
		k, rerr := r.Read(buf)
		if k > 0 {
			if _, err := f.Write(buf[:k]); err != nil {
				return n, &writeError{err}
			}
			h.Write(buf[:k])
			n += int64(k)
			progress(n)
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// Upload sends the snapshot file at path to coll and waits until the
// collection has recovered from it. The multipart body is streamed from
// the file (never held in memory) and rebuilt on each retry; its length is
// computed up front so the server gets a Content-Length. priority=snapshot
// and checksum (when set) go with it, and the server checks the checksum.
//
// Qdrant keeps an uploaded file in the collection's snapshots directory
// under the name it was sent with, and lists it only when that name ends
// in ".snapshot". Upload sends a fresh name of that form, so the copy
// never overwrites a snapshot of the same name and can be deleted; it
// returns that name, and the caller deletes the snapshot.
func (s *Snapshots) Upload(ctx context.Context, coll, path, checksum string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", adapters.Errorf(adapters.KindInvalid, "%s: upload snapshot: %w", s.Prefix(coll), err)
	}
	name, err := uploadName()
	if err != nil {
		return "", err
	}
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	if _, err := mw.CreateFormFile("snapshot", name); err != nil {
		return "", err
	}
	prefix := append([]byte(nil), head.Bytes()...)
	head.Reset()
	if err := mw.Close(); err != nil {
		return "", err
	}
	suffix := append([]byte(nil), head.Bytes()...)
	size := int64(len(prefix)) + st.Size() + int64(len(suffix))

	body := retryablehttp.ReaderFunc(func() (io.Reader, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		return &readCloser{Reader: io.MultiReader(bytes.NewReader(prefix), bufReader(f), bytes.NewReader(suffix)), Closer: f}, nil
	})
	q := url.Values{"wait": {"true"}, "priority": {"snapshot"}}
	if checksum != "" {
		q.Set("checksum", checksum)
	}
	req, err := s.newRequest(ctx, http.MethodPost, snapPath(coll)+"/upload?"+q.Encode(), body)
	if err != nil {
		return "", err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := s.do(ctx, req, coll, fmt.Sprintf("upload snapshot %s (%d bytes)", filepath.Base(path), st.Size()))
	if err != nil {
		return name, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return name, resp.Body.Close()
}

// uploadName is a name no snapshot has: "vecmig-upload-<16 hex>.snapshot".
func uploadName() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("name the upload: %w", err)
	}
	return "vecmig-upload-" + hex.EncodeToString(b[:]) + ".snapshot", nil
}

// bufReader reads the file in large chunks.
func bufReader(f *os.File) io.Reader { return &sizedReader{f} }

// sizedReader hides ReadFrom/WriteTo so io.Copy uses the transport's
// buffer sizes rather than sendfile tricks that do not apply to a
// multipart stream.
type sizedReader struct{ r io.Reader }

func (s *sizedReader) Read(p []byte) (int, error) { return s.r.Read(p) }
