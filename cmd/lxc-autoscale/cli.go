package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
)

const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// command is one subcommand. flags registers its flags; exec runs it with
// the parsed flag set. No command takes positional arguments: run rejects
// them for all.
type command struct {
	name    string
	summary string
	usage   string // arguments after the name, for the help line
	flags   func(fs *pflag.FlagSet)
	exec    func(ctx context.Context, env *environment, fs *pflag.FlagSet) error
}

// environment is what a subcommand gets from the process, injected so tests
// can run it in-process.
type environment struct {
	environ []string
	stdout  io.Writer
	stderr  io.Writer
}

// usageError marks an error caused by the command line or configuration: exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

func commands() []command {
	return []command{
		runCommand(),
		monitorCommand(),
		apiCommand(),
		demoCommand(),
		simulateCommand(),
		checkConfigCommand(),
		importConfigCommand(),
		doctorCommand(),
		tokenCommand(),
		versionCommand(),
	}
}

// run is the whole program: it returns the process exit code.
func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	env := &environment{environ: environ, stdout: stdout, stderr: stderr}
	cmds := commands()
	if len(args) == 0 {
		printUsage(stderr, cmds)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "--help", "help":
		if len(args) > 1 {
			if c, ok := findCommand(cmds, args[1]); ok {
				printCommandUsage(stdout, c, newFlagSet(c))
				return exitOK
			}
		}
		printUsage(stdout, cmds)
		return exitOK
	case "--version":
		name = "version"
	}
	c, ok := findCommand(cmds, name)
	if !ok {
		fmt.Fprintf(stderr, "lxc-autoscale: unknown command %q\n\n", name)
		printUsage(stderr, cmds)
		return exitUsage
	}
	fs := newFlagSet(c)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			printCommandUsage(stdout, c, fs)
			return exitOK
		}
		fmt.Fprintf(stderr, "lxc-autoscale %s: %v\n", c.name, err)
		fmt.Fprintf(stderr, "Run 'lxc-autoscale %s --help' for usage.\n", c.name)
		return exitUsage
	}
	err := noArgs(fs.Args())
	if err == nil {
		err = c.exec(ctx, env, fs)
	}
	if err != nil {
		printError(stderr, c.name, err)
		var ue usageError
		if errors.As(err, &ue) {
			return exitUsage
		}
		return exitFailed
	}
	return exitOK
}

// printError writes the error of a command. Several problems at once (a
// configuration with a typo, a value of the wrong type and one out of range)
// get a line each.
func printError(w io.Writer, name string, err error) {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) && len(joined.Unwrap()) > 1 {
		problems := joined.Unwrap()
		fmt.Fprintf(w, "lxc-autoscale %s: %d problems:\n", name, len(problems))
		for _, p := range problems {
			fmt.Fprintf(w, "  %v\n", p)
		}
		if h := (hinted{}); errors.As(err, &h) {
			fmt.Fprintln(w, h.hint)
		}
		return
	}
	fmt.Fprintf(w, "lxc-autoscale %s: %v\n", name, err)
}

func newFlagSet(c command) *pflag.FlagSet {
	fs := pflag.NewFlagSet(c.name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard) // errors are printed once, by run
	if c.flags != nil {
		c.flags(fs)
	}
	return fs
}

func findCommand(cmds []command, name string) (command, bool) {
	for _, c := range cmds {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func printUsage(w io.Writer, cmds []command) {
	fmt.Fprintln(w, "lxc-autoscale: vertical autoscaling for Proxmox VE LXC containers, through the Proxmox VE API.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: lxc-autoscale <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'lxc-autoscale <command> --help' for the flags of a command.")
}

func printCommandUsage(w io.Writer, c command, fs *pflag.FlagSet) {
	line := "lxc-autoscale " + c.name
	if fs.HasFlags() {
		line += " [flags]"
	}
	if c.usage != "" {
		line += " " + c.usage
	}
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", line, c.summary)
	if fs.HasFlags() {
		fmt.Fprintf(w, "\nFlags:\n%s", strings.TrimRight(fs.FlagUsages(), "\n")+"\n")
	}
}

// noArgs rejects positional arguments for commands that take none.
func noArgs(args []string) error {
	if len(args) > 0 {
		return usageErrorf("unexpected argument %q", args[0])
	}
	return nil
}
