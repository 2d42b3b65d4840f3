package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
)

func inspectCommand(reg *adapters.Registry) *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show an endpoint's engine version, collections, and a collection's definition and exact counts",
		ArgsUsage: "URL",
		Flags: concatFlags([]cli.Flag{
			&cli.StringFlag{Name: "api-key", EnvVars: []string{"VECMIG_API_KEY"}, Usage: "API key of the endpoint"},
			&cli.StringFlag{Name: "api-key-file", EnvVars: []string{"VECMIG_API_KEY_FILE"}, Usage: "read the endpoint's API key from `FILE` (surrounding whitespace is dropped)"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
			&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "timeout of one request"},
		}, tlsFlags()),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return withCode(exitError, fmt.Errorf("inspect takes one URL, e.g. vecmig inspect qdrant://localhost:6334/docs"))
			}
			raw := c.Args().First()
			ep, err := adapters.ParseEndpoint(raw)
			if err != nil {
				return withCode(exitError, err)
			}
			if ep.Scheme != "file" && strings.Trim(ep.Name, "/") == "" {
				return withCode(exitError, fmt.Errorf("endpoint %q names no collection", raw))
			}
			d, err := reg.Driver(ep)
			if err != nil {
				return withCode(exitError, err)
			}
			info, err := d.Inspect(c.Context, ep, config(c, "api-key"))
			if err != nil {
				return withCode(exitError, err)
			}
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			printInfo(c.App.Writer, ep, info)
			return nil
		},
	}
}

func printInfo(w io.Writer, ep *adapters.Endpoint, info *adapters.Info) {
	fmt.Fprintf(w, "engine:      %s %s\n", info.Engine, info.Version)
	if len(info.Collections) > 0 {
		fmt.Fprintf(w, "collections: %s\n", strings.Join(info.Collections, ", "))
	}
	def := info.Definition
	if def == nil {
		fmt.Fprintf(w, "%s: no such collection\n", ep)
		return
	}
	fmt.Fprintf(w, "collection:  %s (definition from %s)\n", def.Name, def.Engine)
	names := make([]string, 0, len(def.Vectors))
	for n := range def.Vectors {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := def.Vectors[n]
		label := n
		if label == "" {
			label = "(unnamed)"
		}
		fmt.Fprintf(w, "  vector %-12s %s", label, v.Kind)
		if v.Size > 0 {
			fmt.Fprintf(w, " %d-d", v.Size)
		}
		if v.Distance != "" {
			fmt.Fprintf(w, " %s", v.Distance)
		}
		if v.Datatype != "" {
			fmt.Fprintf(w, " %s", v.Datatype)
		}
		fmt.Fprintln(w)
	}
	var total uint64
	parts := make([]string, 0, len(info.Counts))
	for p, n := range info.Counts {
		parts = append(parts, p)
		total += n
	}
	sort.Strings(parts)
	if def.Partitioned {
		status := map[string]string{}
		for _, p := range def.Partitions {
			status[p.Name] = p.Status
		}
		for _, p := range parts {
			fmt.Fprintf(w, "  partition %-20s %10d points %s\n", p, info.Counts[p], status[p])
		}
	}
	fmt.Fprintf(w, "points:      %d (exact)\n", total)
}
