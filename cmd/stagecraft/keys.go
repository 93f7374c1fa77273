package main

import (
	"fmt"
	"io"

	"github.com/stagecraft/stagecraft/server/auth"
)

// cmdKeys manages API keys: stagecraft keys create --data DIR --tenant NAME
// prints a new key as its last line. The folder keeps only its hash, so it
// is shown this once. It works while the server runs.
func cmdKeys(args []string, stdout, stderr io.Writer) int {
	if code, ok := subcommand("keys", "usage: stagecraft keys create --data DIR --tenant NAME", []string{"create"}, args, stdout, stderr); !ok {
		return code
	}
	c := newCommand("keys create", "--data DIR --tenant NAME", stdout, stderr)
	data := c.fl.String("data", "./stagecraft-data", "the server's data `folder`")
	name := c.fl.String("tenant", "", "the `tenant` the key acts for (made on the key's first use)")
	paths, code, ok := c.parse(args[1:])
	if !ok {
		return code
	}
	if len(paths) > 0 {
		return c.fail("takes no arguments, only flags")
	}
	if *name == "" {
		return c.fail("--tenant NAME is required")
	}
	if err := auth.ValidTenant(*name); err != nil {
		return c.fail("%v", err)
	}
	key, err := auth.Open(*data).Create(*name)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft keys:", err)
		return 1
	}
	fmt.Fprintf(stdout, "a new API key for tenant %s (shown once; %s keeps only its hash):\n%s\n", *name, *data, key)
	return 0
}
