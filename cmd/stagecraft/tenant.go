package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/stagecraft/stagecraft/internal/atomicfile"
	"github.com/stagecraft/stagecraft/internal/version"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/server/auth"
	"github.com/stagecraft/stagecraft/server/tenant"
	"github.com/stagecraft/stagecraft/stdlib"
)

const tenantUsage = `usage: stagecraft tenant export --data DIR --tenant NAME [-o FILE]
       stagecraft tenant import --data DIR --tenant NAME [-i FILE]
       stagecraft tenant unmatched --data DIR --tenant NAME
       stagecraft tenant parked --data DIR --tenant NAME`

// cmdTenant moves a tenant between data folders: export writes its input
// log, the modules of its custom actions and its delivery state (the
// server stopped), import stores the modules and replays the inputs into a
// new tenant, running the custom actions again, which gives the same
// stores byte for byte. unmatched lists the inbound webhooks the server
// kept without applying them (an SMS from a number no item wrote to, an
// event the engine refused), one JSON object a line; parked lists the
// timers the engine parked because a record was damaged, likewise.
func cmdTenant(args []string, stdout, stderr io.Writer) int {
	if code, ok := subcommand("tenant", tenantUsage, []string{"export", "import", "unmatched", "parked"}, args, stdout, stderr); !ok {
		return code
	}
	sub := args[0]
	c := newCommand("tenant "+sub, "--data DIR --tenant NAME", stdout, stderr)
	data := c.fl.String("data", "./stagecraft-data", "the server's data `folder`")
	name := c.fl.String("tenant", "", "the `tenant`")
	file := "-"
	switch sub {
	case "export":
		c.fl.StringVar(&file, "o", "-", "write the export to `FILE` (- for standard output)")
	case "import":
		c.fl.StringVar(&file, "i", "-", "read the export from `FILE` (- for standard input)")
	}
	paths, code, ok := c.parse(args[1:])
	if !ok {
		return code
	}
	if len(paths) > 0 {
		return c.fail("takes no arguments, only flags")
	}
	if err := auth.ValidTenant(*name); err != nil {
		return c.fail("--tenant: %v", err)
	}
	switch sub {
	case "unmatched":
		us, err := tenant.ListUnmatched(*data, *name)
		return jsonLines(sub, us, err, fmt.Sprintf("tenant %s: %d unmatched inbound webhooks", *name, len(us)), stdout, stderr)
	case "parked":
		ps, err := tenant.ListParked(*data, *name)
		return jsonLines(sub, ps, err, fmt.Sprintf("tenant %s: %d parked timers", *name, len(ps)), stdout, stderr)
	}
	if sub == "export" {
		var n int
		export := func(w io.Writer) (err error) {
			n, err = tenant.Export(*data, *name, w, stdlib.Runtime())
			return err
		}
		var err error
		if file == "-" {
			err = export(stdout)
		} else {
			err = atomicfile.WriteFunc(file, 0o600, export) // a failed export leaves the file as it was
		}
		if err != nil {
			fmt.Fprintln(stderr, "stagecraft tenant export:", err)
			return 1
		}
		fmt.Fprintf(stderr, "exported tenant %s: %d inputs\n", *name, n)
		return 0
	}
	var r io.Reader = os.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			fmt.Fprintln(stderr, "stagecraft tenant import:", err)
			return 1
		}
		defer f.Close()
		r = f
	}
	im, err := tenant.ImportFrom(*data, *name, r, stdlib.Runtime(), engine.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft tenant import:", err)
		return 1
	}
	fmt.Fprintf(stdout, "imported tenant %s: %d inputs replayed\n", *name, im.Inputs)
	if im.OtherBuild() {
		// Not refused: moving a tenant to a newer server is what an
		// upgrade is. But what the replay made by this build's rules is
		// the tenant now, messages to send included.
		fmt.Fprintf(stderr, "stagecraft tenant import: warning: exported by %s, replayed by %s: the replay follows this build's rules, so the tenant may differ from the one exported, and a message the replay made anew would be sent when a server opens it (check ListMessages before serving; spec/api.md, \"Export and import\")\n", im.Build, version.String())
	}
	return 0
}

// jsonLines prints what a listing subcommand read, one JSON object a line,
// and its count on standard error.
func jsonLines[T any](sub string, items []T, err error, count string, stdout, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintf(stderr, "stagecraft tenant %s: %v\n", sub, err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			fmt.Fprintf(stderr, "stagecraft tenant %s: %v\n", sub, err)
			return 1
		}
	}
	fmt.Fprintln(stderr, count)
	return 0
}
