// grafana-check validates Grafana dashboard JSON files against Grafana's own dashboard
// schema, as generated into the Grafana Foundation SDK: a strict decode (unknown fields,
// wrong types and missing required fields are errors; panel options are decoded by their
// panel plugin's schema) and then the schema's constraints (Validate).
// Usage: grafana-check FILE...   exit 0 when every file is valid, 1 otherwise.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: grafana-check FILE...")
		os.Exit(2)
	}
	plugins.RegisterDefaultPlugins()
	failed := false
	for _, path := range os.Args[1:] {
		if err := check(path); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			failed = true
			continue
		}
		fmt.Printf("%s: valid\n", path)
	}
	if failed {
		os.Exit(1)
	}
}

func check(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var d dashboard.Dashboard
	if err := failure(d.UnmarshalJSONStrict(raw)); err != nil {
		return fmt.Errorf("does not decode as a dashboard: %w", err)
	}
	if err := failure(d.Validate()); err != nil {
		return fmt.Errorf("breaks the dashboard schema: %w", err)
	}
	return nil
}

// failure is err unless it is an empty cog.BuildErrors: the SDK returns its (nil) error
// list as an error interface, which is then non-nil although nothing failed.
func failure(err error) error {
	var list cog.BuildErrors
	if errors.As(err, &list) && len(list) == 0 {
		return nil
	}
	return err
}
