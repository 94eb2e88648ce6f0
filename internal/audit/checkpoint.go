package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/silkgate/silkgate/internal/platform/db"
)

// Where the checkpoint key and the off-database checkpoint copy live.
const (
	// EnvSigningKey holds a note signer key ("PRIVATE+KEY+name+hash+key")
	// that takes precedence over the key file, for deployments that keep
	// secrets out of the data folder.
	EnvSigningKey = "SILKGATE_AUDIT_SIGNING_KEY"
	// KeyFile is the signer key generated into the data folder on first use.
	KeyFile = "audit-checkpoint.key"
	// PublicKeyFile holds the matching verifier key, for whoever checks
	// shipped checkpoints elsewhere.
	PublicKeyFile = "audit-checkpoint.pub"
	// CheckpointLogFile is the conventional name for Log.CheckpointFile.
	CheckpointLogFile = "audit-checkpoints.log"
	// KeyName names generated keys in the signature lines of the notes.
	KeyName = "silkgate-audit"
)

// ErrNoSigner is returned by Checkpoint and Purge on a Log built without a
// signing key.
var ErrNoSigner = errors.New("audit: no checkpoint signing key")

// keyPair is a signer that can also check its own signatures, so one value
// configures both signing and verification.
type keyPair struct {
	s note.Signer
	v note.Verifier
}

func (k keyPair) Name() string                    { return k.s.Name() }
func (k keyPair) KeyHash() uint32                 { return k.s.KeyHash() }
func (k keyPair) Sign(msg []byte) ([]byte, error) { return k.s.Sign(msg) }
func (k keyPair) Verify(msg, sig []byte) bool     { return k.v.Verify(msg, sig) }

// parseSignerKey turns an encoded signer key into a key pair and the encoded
// verifier key. Errors never repeat the key.
func parseSignerKey(skey string) (keyPair, string, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return keyPair{}, "", errors.New("audit: malformed checkpoint signing key")
	}
	parts := strings.SplitN(skey, "+", 5)
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return keyPair{}, "", errors.New("audit: checkpoint signing key is not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(parts[2], pub)
	if err != nil {
		return keyPair{}, "", fmt.Errorf("audit: derive verifier key: %w", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return keyPair{}, "", fmt.Errorf("audit: derive verifier key: %w", err)
	}
	return keyPair{s: s, v: v}, vkey, nil
}

// LoadOrCreateSigner returns the checkpoint key: the one in the environment
// variable SILKGATE_AUDIT_SIGNING_KEY when set, else the one in
// <dataDir>/audit-checkpoint.key, generated (mode 0600) on first use with
// its public half beside it. The returned signer also verifies, so passing
// it to New is enough for Verify to trust its checkpoints.
//
// A key file readable by anyone but its owner is refused: whoever can read
// it can forge checkpoints, which is the one thing they exist to prevent.
func LoadOrCreateSigner(dataDir string, getenv func(string) string) (note.Signer, note.Verifier, error) {
	if getenv != nil {
		if skey := strings.TrimSpace(getenv(EnvSigningKey)); skey != "" {
			k, _, err := parseSignerKey(skey)
			if err != nil {
				return nil, nil, fmt.Errorf("%w (from %s)", err, EnvSigningKey)
			}
			return k, k.v, nil
		}
	}
	path := filepath.Join(dataDir, KeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		b, err = createKey(dataDir, path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("audit: checkpoint key: %w", err)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, nil, fmt.Errorf("audit: checkpoint key: %w", err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			return nil, nil, fmt.Errorf("audit: checkpoint key %s has mode %04o; it must be readable by its owner only (chmod 600)", path, perm)
		}
	}
	k, vkey, err := parseSignerKey(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, nil, fmt.Errorf("%w (in %s)", err, path)
	}
	pubPath := filepath.Join(dataDir, PublicKeyFile)
	if _, err := os.Stat(pubPath); errors.Is(err, fs.ErrNotExist) {
		if err := os.WriteFile(pubPath, []byte(vkey+"\n"), 0o644); err != nil {
			return nil, nil, fmt.Errorf("audit: write checkpoint verifier key: %w", err)
		}
	}
	return k, k.v, nil
}

// createKey generates a key into path, or reads the one another process
// created first.
func createKey(dir, path string) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	skey, _, err := note.GenerateKey(rand.Reader, KeyName)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString(skey + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	return []byte(skey), nil
}

// The signed text of a checkpoint follows the C2SP tlog-checkpoint layout
// (origin line, size, base64 hash, extension lines) so standard note tools
// can read and verify it, with one difference: the hash is the chain's head
// record hash, not a Merkle tree root.
const originPrefix = "silkgate/audit/"

// checkpoint is the content of one signed note.
type checkpoint struct {
	Chain string
	Seq   int64
	Hash  string // hex
	At    time.Time
	// PurgeBefore is set on the anchor a purge leaves: records up to Seq
	// were removed because they were older than this.
	PurgeBefore time.Time
}

func (c checkpoint) purge() bool { return !c.PurgeBefore.IsZero() }

func (c checkpoint) kind() string {
	if c.purge() {
		return "purge"
	}
	return "checkpoint"
}

func (c checkpoint) text() (string, error) {
	h, err := hex.DecodeString(c.Hash)
	if err != nil {
		return "", fmt.Errorf("audit: hash of %s at %d is not hex", c.Chain, c.Seq)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s\n%d\n%s\n", originPrefix, c.Chain, c.Seq, base64.StdEncoding.EncodeToString(h))
	fmt.Fprintf(&b, "time %s\n", c.At.UTC().Format(time.RFC3339Nano))
	if c.purge() {
		fmt.Fprintf(&b, "purge-before %s\n", c.PurgeBefore.UTC().Format(time.RFC3339Nano))
	}
	return b.String(), nil
}

func parseCheckpoint(text string) (checkpoint, error) {
	bad := errors.New("audit: malformed checkpoint text")
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], originPrefix) {
		return checkpoint{}, bad
	}
	c := checkpoint{Chain: strings.TrimPrefix(lines[0], originPrefix)}
	seq, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || seq < 0 {
		return checkpoint{}, bad
	}
	c.Seq = seq
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil {
		return checkpoint{}, bad
	}
	c.Hash = hex.EncodeToString(h)
	for _, ln := range lines[3:] {
		key, val, _ := strings.Cut(ln, " ")
		switch key {
		case "time":
			c.At, err = time.Parse(time.RFC3339Nano, val)
		case "purge-before":
			c.PurgeBefore, err = time.Parse(time.RFC3339Nano, val)
		}
		if err != nil {
			return checkpoint{}, bad
		}
	}
	return c, nil
}

func (l *Log) signCheckpoint(c checkpoint) (string, error) {
	text, err := c.text()
	if err != nil {
		return "", err
	}
	msg, err := note.Sign(&note.Note{Text: text}, l.signer)
	if err != nil {
		return "", fmt.Errorf("audit: sign checkpoint of %s: %w", c.Chain, err)
	}
	return string(msg), nil
}

// errUntrusted means a note carries no valid signature by a trusted key.
var errUntrusted = errors.New("not signed by a trusted key")

// openCheckpoint verifies a signed note and returns its content.
func (l *Log) openCheckpoint(msg string) (checkpoint, error) {
	var vs []note.Verifier
	if l.own != nil {
		vs = append(vs, l.own)
	}
	vs = append(vs, l.Trusted...)
	if len(vs) == 0 {
		return checkpoint{}, errUntrusted
	}
	n, err := note.Open([]byte(msg), note.VerifierList(vs...))
	if err != nil || len(n.Sigs) == 0 {
		return checkpoint{}, errUntrusted
	}
	return parseCheckpoint(n.Text)
}

// Checkpoint signs the head of every chain that has grown since its last
// checkpoint, stores the notes and appends them to CheckpointFile. Before
// signing it checks that the new records link to the last signed head, so a
// tampered tail is reported instead of being vouched for; such a chain is
// skipped and named in the returned error, the others are still signed.
func (l *Log) Checkpoint(ctx context.Context) error {
	if l.signer == nil {
		return ErrNoSigner
	}
	l.ckpt.Lock()
	defer l.ckpt.Unlock()
	// Counted records after this point belong to the next checkpoint.
	l.pending.Store(0)

	q := l.db.Q(ctx)
	rows, err := q.QueryContext(ctx, `SELECT h.chain, h.seq, h.hash FROM audit_heads h
		WHERE h.seq > COALESCE((SELECT MAX(c.seq) FROM audit_checkpoints c WHERE c.chain = h.chain), 0)
		ORDER BY h.chain`)
	if err != nil {
		return fmt.Errorf("audit: read chain heads: %w", err)
	}
	type head struct {
		chain string
		at    span
	}
	var heads []head
	for rows.Next() {
		var h head
		if err := rows.Scan(&h.chain, &h.at.seq, &h.at.hash); err != nil {
			rows.Close()
			return fmt.Errorf("audit: read chain heads: %w", err)
		}
		heads = append(heads, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit: read chain heads: %w", err)
	}

	now := stamp(l.now())
	var signed []checkpoint
	var notes []string
	var errs []error
	for _, h := range heads {
		if f, err := l.checkTail(ctx, h.chain, h.at); err != nil {
			errs = append(errs, err)
			continue
		} else if f != nil {
			l.log.LogAttrs(ctx, slog.LevelError, "audit chain broken; not checkpointed", f.attrs()...)
			errs = append(errs, fmt.Errorf("audit: chain %s not checkpointed: %s", h.chain, f))
			continue
		}
		c := checkpoint{Chain: h.chain, Seq: h.at.seq, Hash: h.at.hash, At: now}
		msg, err := l.signCheckpoint(c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		signed = append(signed, c)
		notes = append(notes, msg)
	}
	if len(signed) > 0 {
		err := l.db.InTx(ctx, func(ctx context.Context) error {
			for i, c := range signed {
				if err := insertCheckpoint(ctx, l.db.Q(ctx), c, notes[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		if err := l.appendFile(notes); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func insertCheckpoint(ctx context.Context, q db.Querier, c checkpoint, msg string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO audit_checkpoints (chain, seq, hash, kind, at, note)
		VALUES ($1, $2, $3, $4, $5, $6)`, c.Chain, c.Seq, c.Hash, c.kind(), c.At, msg)
	if err != nil {
		return fmt.Errorf("audit: store checkpoint of %s: %w", c.Chain, err)
	}
	return nil
}

// checkTail verifies the records a checkpoint of chain up to head would
// newly vouch for: those after the chain's last signed checkpoint.
func (l *Log) checkTail(ctx context.Context, chain string, head span) (*Finding, error) {
	q := l.db.Q(ctx)
	from := span{0, genesis}
	var msg string
	err := q.QueryRowContext(ctx, `SELECT note FROM audit_checkpoints WHERE chain = $1
		ORDER BY seq DESC, id DESC LIMIT 1`, chain).Scan(&msg)
	switch {
	case err == nil:
		c, err := l.openCheckpoint(msg)
		if err != nil || c.Chain != chain {
			return &Finding{Chain: chain, Code: CodeBadSignature,
				Reason: "the latest checkpoint is not signed by a trusted key"}, nil
		}
		from = span{c.Seq, c.Hash}
	case !isNoRows(err):
		return nil, fmt.Errorf("audit: read last checkpoint of %s: %w", chain, err)
	}
	var st stats
	last, f, err := l.walk(ctx, q, chain, from, head.seq, nil, &st)
	if f != nil || err != nil {
		return f, err
	}
	if last.seq != head.seq {
		return &Finding{Chain: chain, Seq: last.seq + 1, Code: CodeTruncated,
			Reason: fmt.Sprintf("chain head says seq %d but records end at %d", head.seq, last.seq)}, nil
	}
	if last.hash != head.hash {
		return &Finding{Chain: chain, Seq: head.seq, Code: CodeHeadMismatch,
			Reason: "chain head hash differs from the last record"}, nil
	}
	return nil, nil
}

// appendFile appends notes to CheckpointFile, each followed by a blank
// line, and syncs: the copy is worthless if a crash can lose it.
func (l *Log) appendFile(notes []string) error {
	if l.CheckpointFile == "" || len(notes) == 0 {
		return nil
	}
	l.file.Lock()
	defer l.file.Unlock()
	f, err := os.OpenFile(l.CheckpointFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit: open checkpoint file: %w", err)
	}
	var b strings.Builder
	for _, n := range notes {
		b.WriteString(n)
		b.WriteString("\n")
	}
	_, err = f.WriteString(b.String())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("audit: append checkpoint file: %w", err)
	}
	return nil
}

// Default checkpoint cadence: the exposure window of a recomputed chain is
// the records since the last checkpoint, so it is kept short.
const (
	DefaultCheckpointEvery      = time.Minute
	DefaultCheckpointMaxEntries = 1000
)

// RunCheckpoints checkpoints every `every` or as soon as maxEntries records
// have been appended through l, whichever comes first (zero values take the
// defaults: 60 s and 1,000), until ctx ends; then it takes a last
// checkpoint so a clean shutdown leaves no unsigned tail. Failures are
// logged, never fatal: the trail itself is still written and verifiable up
// to the last checkpoint. Run it in its own goroutine, on every node.
func (l *Log) RunCheckpoints(ctx context.Context, every time.Duration, maxEntries int) {
	if l.signer == nil {
		l.log.Warn("audit checkpoints disabled: no signing key")
		return
	}
	if every <= 0 {
		every = DefaultCheckpointEvery
	}
	if maxEntries <= 0 {
		maxEntries = DefaultCheckpointMaxEntries
	}
	l.threshold.Store(int64(maxEntries))
	defer l.threshold.Store(0)
	t := time.NewTicker(every)
	defer t.Stop()
	run := func(ctx context.Context) {
		if err := l.Checkpoint(ctx); err != nil && ctx.Err() == nil {
			l.log.Error("audit checkpoint failed", "error", err)
		}
	}
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			run(final)
			cancel()
			return
		case <-t.C:
			run(ctx)
		case <-l.kick:
			run(ctx)
			t.Reset(every)
		}
	}
}
