// Reads one Grafana dashboard JSON on stdin and prints, as one JSON line, the schemaVersion of the
// dashboard schema it was checked against and every error of the strict decoding of the Grafana
// Foundation SDK (generated from Grafana's own dashboard and panel schemas): required fields
// missing, wrong types, unexpected fields, in the dashboard and in each core panel's options.
package main

import (
	"encoding/json"
	"io"
	"os"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

type answer struct {
	SchemaVersion uint16   `json:"schemaVersion"`
	Errors        []string `json:"errors"`
}

func main() {
	plugins.RegisterDefaultPlugins()
	out := answer{SchemaVersion: dashboard.NewDashboard().SchemaVersion, Errors: []string{}}
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		out.Errors = append(out.Errors, "stdin: "+err.Error())
	} else {
		var d dashboard.Dashboard
		if err := d.UnmarshalJSONStrict(raw); err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if line = strings.TrimSpace(line); line != "" {
					out.Errors = append(out.Errors, line)
				}
			}
		}
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
