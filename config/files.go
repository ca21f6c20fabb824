package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Dir is a directory that the process writes one of its files into.
type Dir struct {
	// Key is the key of the file, for messages.
	Key  string
	Path string
	// Mode is the one the systemd unit gives the directory
	// (StateDirectoryMode, LogsDirectoryMode), so that a directory made by
	// the process itself is no more open than one made by systemd.
	Mode fs.FileMode
}

// Dirs lists the directories of state.file, state.audit_file and
// monitor.export_file, in that order, for the files that are set.
func (c *Config) Dirs() []Dir {
	var dirs []Dir
	for _, f := range []struct {
		key, path string
		mode      fs.FileMode
	}{
		{"state.file", c.State.File, 0o750},
		{"state.audit_file", c.State.AuditFile, 0o750},
		{"monitor.export_file", c.Monitor.ExportFile, 0o755},
	} {
		if f.path != "" {
			dirs = append(dirs, Dir{Key: f.key, Path: filepath.Dir(f.path), Mode: f.mode})
		}
	}
	return dirs
}

// Create makes the directory (and missing parents) with its mode if it does
// not exist, and checks that a file can be created in it: a daemon that
// cannot save its state must not start, since it would change containers
// and forget their cooldowns. The error is a *FieldError naming the key.
func (d Dir) Create() error {
	if err := os.MkdirAll(d.Path, d.Mode); err != nil {
		return d.problem("cannot be created", err)
	}
	return d.probe(d.Path)
}

// Check tells whether Create would succeed, changing nothing but a probe
// file created and removed at once: the directory is writable, or it is
// missing and the closest existing one above it is writable. missing is
// true in the second case.
func (d Dir) Check() (missing bool, err error) {
	existing := d.Path
	for {
		info, err := os.Stat(existing)
		if err == nil {
			if !info.IsDir() {
				return false, d.problem("cannot be created", fmt.Errorf("%s is not a directory", existing))
			}
			break
		}
		// ENOTDIR: a file stands where a directory above should be; the
		// walk up finds and names it.
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return false, d.problem("cannot be read", err)
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			return false, d.problem("cannot be created", err)
		}
		existing = parent
	}
	return existing != filepath.Clean(d.Path), d.probe(existing)
}

// probe creates and removes a file in dir: only that proves a write works
// (permissions, ACLs, a read-only mount, a full inode table). Its errors
// give the cause alone: the probe's random name would tell nothing.
func (d Dir) probe(dir string) error {
	fail := func(err error) error {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		if filepath.Clean(dir) == filepath.Clean(d.Path) {
			return d.problem("is not writable", err)
		}
		return d.problem("cannot be created", fmt.Errorf("%s is not writable: %w", dir, err))
	}
	f, err := os.CreateTemp(dir, ".lxc-autoscale-probe-*")
	if err != nil {
		return fail(err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return fail(err)
	}
	return nil
}

// problem names the directory once: a *fs.PathError about the directory
// itself would repeat it. A permission problem says who was refused, since
// check-config may run as another user than the service.
func (d Dir) problem(what string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && filepath.Clean(pe.Path) == filepath.Clean(d.Path) {
		err = pe.Err
	}
	problem := fmt.Sprintf("directory %s %s: %v", d.Path, what, err)
	if errors.Is(err, fs.ErrPermission) {
		problem += fmt.Sprintf(" (as uid %d)", os.Getuid())
	}
	return &FieldError{Key: d.Key, Problem: problem}
}

// ReadableSecret is a file holding a secret that users other than its owner
// may read: a token secret or password file, the API's TLS key, or the
// configuration file when it holds a secret itself.
type ReadableSecret struct {
	// Key holds the secret or names its file.
	Key  string
	Path string
	Mode fs.FileMode
}

func (r ReadableSecret) String() string {
	return fmt.Sprintf("%s: %s is readable by group or others (mode %04o); chmod 0600 it", r.Key, r.Path, r.Mode.Perm())
}

// ReadableSecrets checks the files that hold secrets, at the time of the
// call, and returns those that group or others may read (mode & 0o044).
// Files that cannot be stat'ed are left to the errors of Load.
func (c *Config) ReadableSecrets() []ReadableSecret {
	files := []struct{ key, path string }{
		{"proxmox.token_secret_file", c.Proxmox.TokenSecretFile},
		{"proxmox.password_file", c.Proxmox.PasswordFile},
		{"api.tls_key", c.API.TLSKey},
	}
	files = append(files, c.Notify.secretFiles()...)
	for _, key := range c.inlineSecrets {
		files = append(files, struct{ key, path string }{key, c.file})
	}
	var out []ReadableSecret
	for _, f := range files {
		if f.path == "" {
			continue
		}
		if info, err := os.Stat(f.path); err == nil && info.Mode().Perm()&0o044 != 0 {
			out = append(out, ReadableSecret{Key: f.key, Path: f.path, Mode: info.Mode().Perm()})
		}
	}
	return out
}
