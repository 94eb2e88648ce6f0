package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The shipped rule set is data the checker trusts, so these tests hold it to
// the vocabulary and to the review standard written in data/README.md.

// starterIDs are the rules of the reviewed starter set; each must stay in
// the shipped data under its id (a rule is retired through a new version,
// never by deleting it from the seed).
var starterIDs = []string{
	"EU-GPSR-001", "EU-GPSR-002", "EU-GPSR-003", "EU-TOY-001", "EU-TOY-002", "EU-LVD-001", "EU-EMC-001",
	"EU-RED-001", "EU-RED-002", "EU-RED-003", "EU-ROHS-001", "EU-REACH-001", "EU-REACH-002", "EU-REACH-003",
	"EU-REACH-004", "EU-REACH-005", "EU-BATT-001", "EU-BATT-002", "EU-COS-001", "EU-COS-002", "EU-WEEE-001",
	"DE-ELEKTROG-001", "DE-VERPACKG-001", "FR-AGEC-001", "EU-TEX-001", "EU-FIC-001", "EU-PPWR-001",
	"EU-EUDR-001", "EU-FLR-001",
	"US-CPSC-001", "US-CPSC-002", "US-CPSC-003", "US-CPSC-004", "US-CPSC-005", "US-CPSC-006", "US-FCC-001",
	"US-FCC-002", "US-CA-P65-001", "US-FDA-001", "US-FDA-002", "US-FDA-003", "US-FTC-001", "US-UFLPA-001",
	"US-CBP-001", "US-LACEY-001",
	"GB-MARK-001", "GB-GPSR-001", "GB-PSTI-001", "GB-COS-001",
	"JP-PSE-001", "JP-4LAWS-001", "JP-PSC-001", "JP-RADIO-001", "JP-FOOD-001", "JP-PMD-001",
	"SG-VAPE-001", "SG-CPS-001", "MY-ST-001", "MY-MCMC-001", "TH-TISI-001", "TH-VAPE-001", "VN-LABEL-001",
	"VN-QCVN-001", "ID-HALAL-001", "ID-ECOM-001", "PH-TOY-001", "PH-BPS-001",
	"GL-CITES-001", "GL-LIBAT-001", "GL-LIBAT-002", "GL-LIBAT-003", "GL-DG-001", "GL-IP-001",
	"GL-WEAPON-001", "GL-EMBARGO-001",
}

type ruleFile struct {
	name  string
	rules []Rule
}

// loadData decodes every data/*.yaml strictly: an unknown key is a typo
// that would otherwise silently drop a field.
func loadData(t *testing.T) []ruleFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("data", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no rule files in data/")
	}
	var out []ruleFile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := decodeStrict(b)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, ruleFile{filepath.Base(p), rs})
	}
	return out
}

func decodeStrict(b []byte) ([]Rule, error) {
	var doc struct {
		Rules []Rule `yaml:"rules"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one YAML document")
	}
	return doc.Rules, nil
}

func TestDataVolume(t *testing.T) {
	t.Parallel()
	var n int
	markets := map[string]bool{}
	ids := map[string]string{}
	for _, f := range loadData(t) {
		for _, r := range f.rules {
			n++
			if r.Market != Global {
				markets[r.Market] = true
			}
			if prev, dup := ids[r.ID]; dup {
				t.Errorf("%s: id %s also in %s", f.name, r.ID, prev)
			}
			ids[r.ID] = f.name
		}
	}
	if n < 100 {
		t.Errorf("%d rules, want at least 100", n)
	}
	if len(markets) < 12 {
		t.Errorf("%d markets besides GLOBAL, want at least 12: %v", len(markets), markets)
	}
	for _, id := range starterIDs {
		if _, ok := ids[id]; !ok {
			t.Errorf("starter rule %s missing", id)
		}
	}
	// The embedded copy is what the platform seeds: it must hold the same
	// rules as the files read here.
	files, err := Shipped()
	if err != nil {
		t.Fatalf("Shipped: %v", err)
	}
	var embedded int
	for _, rs := range files {
		embedded += len(rs)
	}
	if embedded != n {
		t.Errorf("Shipped holds %d rules, data/ %d", embedded, n)
	}
}

func TestDataRules(t *testing.T) {
	t.Parallel()
	for _, f := range loadData(t) {
		for _, r := range f.rules {
			t.Run(r.ID, func(t *testing.T) {
				t.Parallel()
				for _, p := range ruleProblems(r) {
					t.Error(p)
				}
				if err := r.Validate(); err != nil {
					t.Errorf("Validate: %v", err)
				}
			})
		}
	}
}

// ruleProblems checks r against the vocabularies and the review standard.
// It overlaps Validate on purpose: the shipped data must pass the stricter
// of the two (https sources, a zh-CN text for every English one).
func ruleProblems(r Rule) []string {
	var out []string
	bad := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	for field, v := range map[string]string{"id": r.ID, "market": r.Market, "title": r.Title, "authority": r.Authority,
		"reference": r.Reference, "requirement": r.Requirement, "source_url": r.SourceURL} {
		if strings.TrimSpace(v) == "" {
			bad("%s is empty", field)
		}
	}
	if !strings.HasPrefix(r.SourceURL, "https://") || strings.ContainsAny(r.SourceURL, " ;") {
		bad("source_url %q is not one https URL", r.SourceURL)
	}
	if !strings.HasPrefix(r.ID, marketPrefix(r.Market)+"-") {
		bad("id %s does not start with its market %s", r.ID, r.Market)
	}
	if r.EffectiveFrom.IsZero() {
		bad("effective_from not set")
	}
	if !slices.Contains(Severities, r.Severity) {
		bad("severity %q unknown", r.Severity)
	}
	if r.Severity != Info && r.Severity != Prohibited && len(r.Evidence) == 0 && strings.TrimSpace(r.Action) == "" {
		bad("a %s rule needs evidence or an action", r.Severity)
	}
	if len(r.Evidence) > 0 && strings.TrimSpace(r.Action) == "" {
		bad("rule asks for evidence but gives the seller no action")
	}
	zh, ok := r.Translations["zh-CN"]
	switch {
	case !ok:
		bad("no zh-CN translation")
	default:
		if strings.TrimSpace(zh.Title) == "" || strings.TrimSpace(zh.Requirement) == "" {
			bad("zh-CN title or requirement empty")
		}
		if strings.TrimSpace(zh.Action) == "" && strings.TrimSpace(r.Action) != "" {
			bad("zh-CN action empty")
		}
		if !hasHan(zh.Title) || !hasHan(zh.Requirement) {
			bad("zh-CN text is not Chinese")
		}
	}
	a := r.AppliesTo
	for _, c := range a.Categories {
		if !slices.Contains(Categories, c) {
			bad("category %q not in the vocabulary", c)
		}
	}
	for _, h := range a.HS {
		if h != "*" && (len(h) < 2 || len(h) > 10 || strings.Trim(h, "0123456789") != "") {
			bad("hs prefix %q malformed", h)
		}
	}
	for _, tr := range a.Transport {
		if !slices.Contains(Transports, tr) {
			bad("transport %q unknown", tr)
		}
	}
	for _, c := range a.Conditions {
		f, ok := vocabFact(c.Fact)
		if !ok {
			bad("condition fact %q not in the vocabulary", c.Fact)
			continue
		}
		if !slices.Contains(Ops, c.Op) {
			bad("condition op %q unknown", c.Op)
		}
		if c.Op != "present" && c.Value == nil {
			bad("condition on %s has no value", f.Name)
		}
	}
	for _, e := range r.Evidence {
		if !slices.Contains(EvidenceKinds, e.Kind) {
			bad("evidence kind %q unknown", e.Kind)
		}
		if e.Kind == "fact" {
			if f, ok := vocabFact(e.Code); !ok || f.Type != Bool {
				bad("evidence fact %q not a bool fact", e.Code)
			}
		} else if EvidenceCodes[e.Code] == "" {
			bad("evidence code %q not in the vocabulary", e.Code)
		}
		if strings.TrimSpace(e.Name) == "" {
			bad("evidence %s has no name", e.Code)
		}
	}
	for _, l := range r.Limits {
		if f, ok := vocabFact(l.Fact); !ok || f.Type != Number {
			bad("limit fact %q not a number fact", l.Fact)
		}
	}
	return out
}

// marketPrefix is the id prefix of a market: GLOBAL rules are GL-….
func marketPrefix(m string) string {
	if m == Global {
		return "GL"
	}
	return m
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func vocabFact(name string) (Fact, bool) {
	for _, f := range Facts {
		if f.Name == name {
			return f, true
		}
	}
	return Fact{}, false
}
