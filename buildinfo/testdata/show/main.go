// Command show prints buildinfo.Get() as JSON, so that a test can build it
// with linker flags and check that they reach the package's variables.
package main

import (
	"encoding/json"
	"os"

	"github.com/regsync/regsync/buildinfo"
)

func main() {
	i := buildinfo.Get()
	_ = json.NewEncoder(os.Stdout).Encode(map[string]string{
		"version": i.Version, "commit": i.Commit, "build_date": i.BuildDate, "full": i.Full(),
	})
}
