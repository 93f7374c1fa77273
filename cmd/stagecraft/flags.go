package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is what every subcommand shares: its flag set and a one-line
// synopsis, so that -h, a misplaced flag and a bad value all answer the
// same way.
type command struct {
	name     string
	synopsis string // e.g. "[--format=text|json] PATH..."
	fl       *flag.FlagSet
	stdout   io.Writer
	stderr   io.Writer
}

func newCommand(name, synopsis string, stdout, stderr io.Writer) *command {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	c := &command{name: name, synopsis: synopsis, fl: fl, stdout: stdout, stderr: stderr}
	fl.Usage = func() {} // parse prints the usage itself, to the right stream
	return c
}

func (c *command) usage(w io.Writer) {
	fmt.Fprintln(w, strings.TrimSpace("usage: stagecraft "+c.name+" "+c.synopsis))
	n := 0
	c.fl.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "flags:")
		c.fl.SetOutput(w)
		c.fl.PrintDefaults()
		c.fl.SetOutput(c.stderr)
	}
}

// parse parses flags anywhere among the arguments, as `go test` and git do:
// `check ws --format=json` means `check --format=json ws`. Everything after
// `--` is a path. With -h or --help it prints the usage to stdout and returns
// exit code 0; on a bad flag it names it and returns 2; ok is whether the
// command should go on.
func (c *command) parse(args []string) (paths []string, code int, ok bool) {
	for {
		err := c.fl.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			c.usage(c.stdout)
			return nil, 0, false
		}
		if err != nil {
			// flag has printed what was wrong ("flag provided but not defined: -x").
			c.usage(c.stderr)
			return nil, 2, false
		}
		rest := c.fl.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(paths, rest...), 0, true
		}
		if len(rest) == 0 {
			return paths, 0, true
		}
		paths = append(paths, rest[0])
		args = rest[1:]
	}
}

// fail prints a usage mistake and returns exit code 2.
func (c *command) fail(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "stagecraft %s: %s\n", c.name, fmt.Sprintf(format, args...))
	c.usage(c.stderr)
	return 2
}

// oneOf checks the value of a flag that takes a fixed set of words.
func (c *command) oneOf(flagName, value string, choices ...string) bool {
	for _, ch := range choices {
		if value == ch {
			return true
		}
	}
	c.fail("unknown --%s value %q: choose %s", flagName, value, strings.Join(choices, " or "))
	return false
}

// subcommand reads the subcommand of a command that has several (keys,
// tenant, module): none prints usage to stderr (exit 2); -h, --help or
// help prints it to stdout (exit 0); one not among subs is named (exit
// 2). ok says whether to go on with args[0].
func subcommand(name, usage string, subs []string, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	switch {
	case len(args) == 0:
		fmt.Fprintln(stderr, usage)
		return 2, false
	case args[0] == "-h" || args[0] == "--help" || args[0] == "help":
		fmt.Fprintln(stdout, usage)
		return 0, false
	}
	for _, s := range subs {
		if args[0] == s {
			return 0, true
		}
	}
	fmt.Fprintf(stderr, "stagecraft %s: unknown subcommand %q\n%s\n", name, args[0], usage)
	return 2, false
}
