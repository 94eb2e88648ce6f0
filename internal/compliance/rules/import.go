package rules

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/i18n"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// MaxImport bounds an import file.
const MaxImport = 16 << 20

// shipped is the rule set the platform ships with, one file per market or
// region; see data/README.md for its sources and review.
//
//go:embed data/*.yaml
var shipped embed.FS

// File is the import format: a YAML document with a top-level rules list.
type File struct {
	Rules []Rule `yaml:"rules"`
}

// ImportOptions tune Import.
type ImportOptions struct {
	// Publish brings every new or changed rule into force at once, published
	// by the system actor, instead of leaving drafts for review.
	Publish bool
}

// ImportReport says what an import did, by rule id.
type ImportReport struct {
	// Rules is how many rules the file holds.
	Rules int `json:"rules"`
	// Created are rules new to the database.
	Created []string `json:"created"`
	// Updated are rules that received a new version.
	Updated []string `json:"updated"`
	// Unchanged counts rules identical to their newest version.
	Unchanged int `json:"unchanged"`
	// Published are the ids brought into force (with Publish).
	Published []string `json:"published"`
}

// ImportProblem is one fault of an import file.
type ImportProblem struct {
	// Rule is the id of the rule at fault, when it has one.
	Rule string `json:"rule,omitempty"`
	// Index is the rule's position in the rules list (from 0), -1 when
	// the fault is not in one rule.
	Index int `json:"index"`
	// Line is the YAML line of the field at fault, 0 when unknown.
	Line   int    `json:"line,omitempty"`
	Field  string `json:"field,omitempty"`
	Code   string `json:"code"`
	Params []any  `json:"-"`
}

// ImportError is an import refused as a whole: every problem of every
// rule, so that one run shows all there is to fix.
type ImportError struct {
	Problems []ImportProblem
}

func (e *ImportError) Error() string {
	c, _ := i18n.Load()
	var b strings.Builder
	fmt.Fprintf(&b, "the file has %d problem(s); nothing was imported", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		if p.Line > 0 {
			fmt.Fprintf(&b, "line %d: ", p.Line)
		}
		if p.Rule != "" {
			b.WriteString(p.Rule + ": ")
		} else if p.Index >= 0 {
			fmt.Fprintf(&b, "rules[%d]: ", p.Index)
		}
		if p.Field != "" {
			b.WriteString(p.Field + ": ")
		}
		msg := p.Code
		if c != nil {
			msg = c.T("en", "validation."+p.Code, p.Params...)
		}
		b.WriteString(msg)
	}
	return b.String()
}

// Problem renders e as a 422 whose fields read "EU-TOY-001 (line 14):
// applies_to.hs[0]", for the API and the console.
func (e *ImportError) Problem() *problem.Error {
	var fs problem.Errors
	for _, p := range e.Problems {
		name := p.Rule
		if name == "" && p.Index >= 0 {
			name = fmt.Sprintf("rules[%d]", p.Index)
		}
		if p.Line > 0 {
			name = strings.TrimSpace(fmt.Sprintf("%s (line %d)", name, p.Line))
		}
		if p.Field != "" {
			name = strings.TrimPrefix(name+": "+p.Field, ": ")
		}
		fs.Add(name, p.Code, p.Params...)
	}
	return problem.Invalid(fs...)
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// Parse reads an import file and validates every rule in it. A file with
// any fault yields an *ImportError naming each one by rule id, field and
// YAML line; nothing is returned half-checked.
func Parse(r io.Reader) ([]Rule, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxImport+1))
	if err != nil {
		return nil, fmt.Errorf("rules: read import: %w", err)
	}
	if len(raw) > MaxImport {
		return nil, &ImportError{Problems: []ImportProblem{{Index: -1, Code: "max_length", Params: []any{"max", MaxImport}}}}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, yamlProblems(err)
	}
	items := ruleNodes(&root)
	var probs []ImportProblem
	if len(root.Content) > 0 && root.Content[0].Kind == yaml.MappingNode {
		top := root.Content[0]
		for i := 0; i+1 < len(top.Content); i += 2 {
			if k := top.Content[i]; k.Value != "rules" {
				probs = append(probs, ImportProblem{Index: -1, Line: k.Line, Field: k.Value, Code: "unknown_field"})
			}
		}
	}
	for i, n := range items {
		known(&probs, n, reflect.TypeFor[Rule](), "", i)
	}
	for i, p := range probs {
		if p.Index >= 0 && p.Index < len(items) {
			if id := child(items[p.Index], "id"); id != nil {
				probs[i].Rule = id.Value
			}
		}
	}
	if len(probs) > 0 {
		return nil, &ImportError{Problems: probs}
	}
	var f File
	if err := root.Decode(&f); err != nil {
		return nil, yamlProblems(err)
	}
	if f.Rules == nil {
		return nil, &ImportError{Problems: []ImportProblem{{Index: -1, Field: "rules", Code: "required"}}}
	}
	seen := map[string]int{}
	for i := range f.Rules {
		f.Rules[i] = f.Rules[i].normalized()
		r := f.Rules[i]
		var node *yaml.Node
		if i < len(items) {
			node = items[i]
		}
		var fs problem.Errors
		r.validate(&fs)
		if j, dup := seen[r.ID]; dup && r.ID != "" {
			fs.Add("id", "duplicate_rule", "index", j)
		}
		seen[r.ID] = i
		for _, fe := range fs {
			probs = append(probs, ImportProblem{Rule: r.ID, Index: i, Line: lineOf(node, fe.Field), Field: fe.Field,
				Code: fe.Code, Params: fe.Params})
		}
	}
	if len(probs) > 0 {
		return nil, &ImportError{Problems: probs}
	}
	return f.Rules, nil
}

// yamlProblems turns the parser's and decoder's complaints into problems
// with their lines.
func yamlProblems(err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	ie := &ImportError{}
	for _, m := range msgs {
		p := ImportProblem{Index: -1, Code: "yaml", Params: []any{"reason", m}}
		if sub := yamlLine.FindStringSubmatch(m); sub != nil {
			p.Line, _ = strconv.Atoi(sub[1])
			p.Params = []any{"reason", sub[2]}
		}
		ie.Problems = append(ie.Problems, p)
	}
	return ie
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	dateLiteral = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// known walks mapping node n against the yaml fields of struct type t: a
// key the format does not have is a problem at its line (a misspelt
// effective_from must not vanish silently). On the way it lets dates be
// quoted: a quoted YYYY-MM-DD is read as the date it spells.
func known(probs *[]ImportProblem, n *yaml.Node, t reflect.Type, at string, index int) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n == nil:
		return
	case t == timeType:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && dateLiteral.MatchString(n.Value) {
			n.Tag, n.Style = "!!timestamp", 0
		}
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name != "-" && f.IsExported() {
				fields[name] = f.Type
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			if !ok {
				*probs = append(*probs, ImportProblem{Index: index, Line: k.Line, Field: join(at, k.Value), Code: "unknown_field"})
				continue
			}
			known(probs, n.Content[i+1], ft, join(at, k.Value), index)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			if t.Elem().Kind() == reflect.Struct || t.Elem() == timeType {
				known(probs, c, t.Elem(), fmt.Sprintf("%s[%d]", at, i), index)
			}
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			known(probs, n.Content[i+1], t.Elem(), join(at, n.Content[i].Value), index)
		}
	}
}

// ruleNodes returns the mapping node of each item of the rules list.
func ruleNodes(root *yaml.Node) []*yaml.Node {
	if root == nil || root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	list := child(root.Content[0], "rules")
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	return list.Content
}

// child returns the value of key in mapping node n.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

var pathPart = regexp.MustCompile(`^([^\[]*)((?:\[\d+\])*)$`)

// lineOf finds the YAML line of the field at a validation path
// ("applies_to.conditions[0].fact"): the deepest node of the path that the
// file has, so that a missing field points at its rule.
func lineOf(n *yaml.Node, field string) int {
	if n == nil {
		return 0
	}
	line := n.Line
	for _, part := range strings.Split(field, ".") {
		sub := pathPart.FindStringSubmatch(part)
		if sub == nil {
			return line
		}
		if sub[1] != "" {
			if n = child(n, sub[1]); n == nil {
				return line
			}
			line = n.Line
		}
		for _, idx := range regexp.MustCompile(`\d+`).FindAllString(sub[2], -1) {
			i, _ := strconv.Atoi(idx)
			if n.Kind != yaml.SequenceNode || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
		}
	}
	return line
}

// sameContent reports whether a and b say the same thing.
func sameContent(a, b Rule) bool {
	x, err1 := json.Marshal(a.normalized().content())
	y, err2 := json.Marshal(b.normalized().content())
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// Import loads an import file: it checks every rule first and refuses the
// whole file on any fault; then, in one transaction, adds rules new to the
// database, gives changed ones a new version and skips those identical to
// their newest version, so importing the same file twice changes nothing.
// New versions are drafts for a second officer to publish, unless o.Publish
// brings them into force at once, published by the system actor.
func (s *Service) Import(ctx context.Context, r io.Reader, o ImportOptions) (ImportReport, error) {
	rs, err := Parse(r)
	if err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{Rules: len(rs), Created: []string{}, Updated: []string{}, Published: []string{}}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		author := actorID(ctx)
		for _, r := range rs {
			latest, err := s.latest(ctx, r.ID)
			if err != nil && !errors.Is(err, problem.ErrNotFound) {
				return err
			}
			d := latest
			switch {
			case err == nil && sameContent(latest, r):
				rep.Unchanged++
			default:
				if d, err = s.insert(ctx, r, latest.Version+1, Draft, author, false); err != nil {
					return err
				}
				if latest.Version == 0 {
					rep.Created = append(rep.Created, r.ID)
				} else {
					rep.Updated = append(rep.Updated, r.ID)
				}
				if err := s.audit.Record(ctx, audit.Event{Action: "compliance.rule.draft", Resource: resource(d),
					Change: d.content(), Detail: "import"}); err != nil {
					return err
				}
			}
			if !o.Publish || d.PublishedAt != nil {
				continue
			}
			if d, err = s.publish(ctx, d, SystemActor); err != nil {
				return err
			}
			rep.Published = append(rep.Published, d.ID)
			if err := s.audit.Record(ctx, audit.Event{Action: "compliance.rule.publish", Resource: resource(d),
				Change: map[string]any{"id": d.ID, "version": d.Version, "author": d.AuthorID, "status": d.Status},
				Detail: "import --publish, by the system"}); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, audit.Event{Action: "compliance.rules.import", Resource: "compliance_rules",
			Change: rep, Detail: fmt.Sprintf("%d rules: %d new, %d changed, %d unchanged, %d published",
				rep.Rules, len(rep.Created), len(rep.Updated), rep.Unchanged, len(rep.Published))})
	})
	if err != nil {
		return ImportReport{}, err
	}
	return rep, nil
}

// Shipped returns the rule set embedded in the binary, by file. A file
// that does not parse is reported by name and the others are still
// returned. The files are parsed once per process (every store opened
// seeds from them); callers must not modify the rules.
func Shipped() (map[string][]Rule, error) { return shippedOnce() }

var shippedOnce = sync.OnceValues(parseShipped)

func parseShipped() (map[string][]Rule, error) {
	names, err := shipped.ReadDir("data")
	if err != nil {
		return nil, err
	}
	out := map[string][]Rule{}
	var errs []error
	for _, n := range names {
		if path.Ext(n.Name()) != ".yaml" {
			continue
		}
		f, err := shipped.Open("data/" + n.Name())
		if err != nil {
			return nil, err
		}
		rs, err := Parse(f)
		f.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.Name(), err))
			continue
		}
		out[n.Name()] = rs
	}
	return out, errors.Join(errs...)
}

// Seed publishes, as the system, every shipped rule whose id the database
// does not know yet. It is idempotent and never touches a rule that exists
// in any version, so officers' edits and retirements survive upgrades; a
// changed shipped rule reaches an existing database only through import.
// A shipped file with faults is logged and skipped rather than stopping the
// platform. Seeding does not run the publish hooks: it populates, it does
// not change the law.
func (s *Service) Seed(ctx context.Context) (int, error) {
	files, err := Shipped()
	if err != nil {
		s.log.Error("shipped regulation rules skipped", "err", err)
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT DISTINCT id FROM compliance_rules`)
	if err != nil {
		return 0, wrap("seed", err)
	}
	have := map[string]bool{}
	ids, err := collectIDs(rows)
	if err != nil {
		return 0, wrap("seed", err)
	}
	for _, id := range ids {
		have[id] = true
	}
	var todo []Rule
	for _, name := range sortedKeys(files) {
		for _, r := range files[name] {
			if !have[r.ID] {
				have[r.ID] = true
				todo = append(todo, r)
			}
		}
	}
	if len(todo) == 0 {
		return 0, nil
	}
	ctx = audit.WithActor(ctx, audit.Actor{ID: SystemActor, Type: "system"})
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		for _, r := range todo {
			if _, err := s.insert(ctx, r, 1, publishedStatus(r), SystemActor, true); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, audit.Event{Action: "compliance.rules.seed", Resource: "compliance_rules",
			Change: len(todo), Detail: fmt.Sprintf("%d shipped rules published", len(todo))})
	})
	if pe, ok := problem.As(err); ok && pe.Code == "rule_changed" {
		// Another node starting from the same binary seeded the same
		// rules first (the rule's primary key refused ours).
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return len(todo), nil
}

func publishedStatus(r Rule) string {
	if r.EffectiveTo != nil {
		return Retired
	}
	return Published
}

func collectIDs(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
