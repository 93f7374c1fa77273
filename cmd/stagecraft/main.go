// Command stagecraft is the CLI of stagecraft: CRM automation as code.
//
//	stagecraft check [--format=text|json] PATH...
//	stagecraft fmt [-l] [-d] [-w] PATH...
//	stagecraft test PATH...
//	stagecraft run PATH...
//	stagecraft diff [--format=text|json] [--data DIR] OLD NEW
//	stagecraft demo
//	stagecraft serve [--data DIR] [--addr HOST:PORT]
//	stagecraft keys create --data DIR --tenant NAME
//	stagecraft tenant export|import|unmatched|parked --data DIR --tenant NAME
//	stagecraft module check|pack [--manifest FILE] MODULE.wasm
//	stagecraft lsp
//	stagecraft version
//
// Exit codes: 0 success, 1 problems found (errors, unformatted files with -l,
// changes for diff), 2 usage or I/O failure (and for diff, a side with errors).
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage: stagecraft <command> [arguments]

commands:
  check [--format=text|json] PATH...   check *.rules files and folders
  fmt [-l] [-d] [-w] PATH...           format *.rules files canonically
  test PATH...                         run the test blocks; exit 1 on a failure
  run PATH...                          dry-run the test blocks as scenarios, printing timelines
  diff [--format=text|json] [--data DIR] OLD NEW
                                       the plan a deploy of NEW over OLD applies; exit 1 on changes
  demo                                 the furniture shop (M-SCENARIO) on a temporary Pebble store
  serve [--data DIR] [--addr HOST:PORT] the API server (Connect, gRPC, gRPC-Web)
  keys create --data DIR --tenant NAME make an API key for a tenant; prints it last
  tenant export|import --data DIR --tenant NAME
                                       a tenant's log and delivery state, to back up or move it
  tenant unmatched|parked --data DIR --tenant NAME
                                       inbound webhooks no item took; timers parked for damage
  module check MODULE.wasm             load a custom action's module as the host does
  module pack --manifest FILE MODULE.wasm
                                       put a manifest into a module, then check it
  lsp                                  a language server on stdin and stdout, for editors
  version                              print the version

"stagecraft <command> -h" describes a command.
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "check":
		return cmdCheck(args[1:], stdout, stderr)
	case "fmt":
		return cmdFmt(args[1:], os.Stdin, stdout, stderr)
	case "test":
		return cmdTest(args[1:], stdout, stderr)
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "diff":
		return cmdDiff(args[1:], stdout, stderr)
	case "demo":
		return cmdDemo(args[1:], stdout, stderr)
	case "serve":
		return cmdServe(args[1:], stdout, stderr)
	case "keys":
		return cmdKeys(args[1:], stdout, stderr)
	case "tenant":
		return cmdTenant(args[1:], stdout, stderr)
	case "module":
		return cmdModule(args[1:], stdout, stderr)
	case "lsp":
		return cmdLSP(args[1:], os.Stdin, stdout, stderr)
	case "version":
		return cmdVersion(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	return unknownCommand(args[0], stderr)
}
