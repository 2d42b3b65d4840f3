package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// backupChild is `vecmig-bench child backup --from URL --to URL --class C
// --id ID`: the plain way to move a Weaviate class by backup, by hand over
// REST (create on the source's filesystem backend, poll, restore on the
// target, poll), with no vecmig code. It prints one childResult.
func backupChild(args []string) int {
	fs := flag.NewFlagSet("vecmig-bench child backup", flag.ContinueOnError)
	from := fs.String("from", "", "the source's REST base URL (http://host:port)")
	to := fs.String("to", "", "the target's REST base URL")
	class := fs.String("class", "", "the class to move")
	id := fs.String("id", "", "the backup id")
	if err := fs.Parse(args); err != nil || *from == "" || *to == "" || *class == "" || *id == "" {
		fmt.Fprintln(os.Stderr, "usage: vecmig-bench child backup --from URL --to URL --class C --id ID")
		return 2
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	start, cpu0 := time.Now(), selfCPU()
	body := map[string]any{"id": *id, "include": []string{*class}}
	err := restBackupStep(ctx, *from+"/v1/backups/filesystem", body, *from+"/v1/backups/filesystem/"+*id)
	if err == nil {
		err = restBackupStep(ctx, *to+"/v1/backups/filesystem/"+*id+"/restore", map[string]any{"include": []string{*class}}, *to+"/v1/backups/filesystem/"+*id+"/restore")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "vecmig-bench child backup: %v\n", err)
		return 1
	}
	res := childResult{Method: "backup", Client: "plain HTTP: POST backup, poll, POST restore, poll (every 100 ms)", Seconds: time.Since(start).Seconds(), CPUSeconds: (selfCPU() - cpu0).Seconds()}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return 1
	}
	return 0
}

// restBackupStep POSTs body to start and polls status until SUCCESS.
func restBackupStep(ctx context.Context, start string, body any, status string) error {
	b, _ := json.Marshal(body)
	if _, err := restJSON(ctx, http.MethodPost, start, b); err != nil {
		return err
	}
	for {
		out, err := restJSON(ctx, http.MethodGet, status, nil)
		if err != nil {
			return err
		}
		var st struct{ Status, Error string }
		if err := json.Unmarshal(out, &st); err != nil {
			return fmt.Errorf("GET %s: %v", status, err)
		}
		switch st.Status {
		case "SUCCESS":
			return nil
		case "FAILED", "CANCELED":
			return fmt.Errorf("GET %s: %s: %s", status, st.Status, st.Error)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func restJSON(ctx context.Context, method, url string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, out)
	}
	return out, nil
}
