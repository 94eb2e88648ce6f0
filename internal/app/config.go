package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Config is what every command needs to find the store.
type Config struct {
	DataDir string
	DSN     string
}

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// ExitCode maps an error from Run to a process exit status.
func ExitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// globalFlags registers --data and --db (each defaulting to its
// environment variable) on fs, so they are accepted before or after the
// subcommand.
func globalFlags(fs *flag.FlagSet, cfg *Config, getenv func(string) string) {
	data := getenv("SILKGATE_DATA")
	if data == "" {
		data = "./silkgate-data"
	}
	fs.StringVar(&cfg.DataDir, "data", data, "folder for the embedded store, keys and backups (SILKGATE_DATA)")
	fs.StringVar(&cfg.DSN, "db", getenv("SILKGATE_DB"), "database: empty for embedded SQLite, or postgres://… (SILKGATE_DB)")
}

// splitGlobal takes global flags that precede the command words off args,
// returning the command words and the remaining arguments.
func splitGlobal(args []string, cfg *Config, getenv func(string) string, stderr io.Writer) (words, rest []string, err error) {
	fs := flag.NewFlagSet("silkgate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	globalFlags(fs, cfg, getenv)
	if err := fs.Parse(args); err != nil {
		return nil, nil, usageError{err.Error()}
	}
	args = fs.Args()
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") && len(words) < 2 {
		words = append(words, args[0])
		args = args[1:]
		if len(words) == 1 && !hasSub[words[0]] {
			break
		}
	}
	return words, args, nil
}

// hasSub lists the commands that take a second word.
var hasSub = map[string]bool{"tenant": true, "user": true, "apikey": true, "import": true, "audit": true, "keys": true}

// commandFlags returns a flag set for one command that also accepts the
// global flags, seeded with what was parsed before the command.
func commandFlags(name string, cfg *Config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("silkgate "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "folder for the embedded store, keys and backups (SILKGATE_DATA)")
	fs.StringVar(&cfg.DSN, "db", cfg.DSN, "database: empty for embedded SQLite, or postgres://… (SILKGATE_DB)")
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return usageError{"help requested"}
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}
