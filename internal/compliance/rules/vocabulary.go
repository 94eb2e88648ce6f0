package rules

import (
	"fmt"
	"slices"
	"strings"
)

// VocabularyMarkdown renders the fact, category and evidence vocabularies
// as the Markdown tables of docs/REGULATIONS.md, so that the document
// cannot drift from facts.go (a test compares them).
func VocabularyMarkdown() string {
	var b strings.Builder
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	b.WriteString("### Facts\n\n| fact | type | unit | meaning | where the checker finds it |\n|---|---|---|---|---|\n")
	for _, f := range Facts {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.Name, f.Type, esc(f.Unit), esc(f.Description), esc(f.From))
	}
	b.WriteString("\n### Categories\n\n")
	cs := make([]string, len(Categories))
	for i, c := range Categories {
		cs[i] = "`" + c + "`"
	}
	b.WriteString(strings.Join(cs, ", ") + "\n")
	b.WriteString("\n### Evidence codes\n\n| code | what it is |\n|---|---|\n")
	for _, c := range sortedKeys(EvidenceCodes) {
		fmt.Fprintf(&b, "| `%s` | %s |\n", c, esc(EvidenceCodes[c]))
	}
	b.WriteString("\n### Other enumerations\n\n")
	fmt.Fprintf(&b, "- severities, highest first: %s\n", codes(Severities))
	fmt.Fprintf(&b, "- condition operators: %s\n", codes(Ops))
	fmt.Fprintf(&b, "- evidence kinds: %s\n", codes(EvidenceKinds))
	fmt.Fprintf(&b, "- transport: %s\n", codes(Transports))
	fmt.Fprintf(&b, "- channels: %s\n", codes(Channels))
	fmt.Fprintf(&b, "- EU member states (inherit `EU` rules): %s\n", codes(slices.Sorted(slices.Values(EUMembers))))
	return b.String()
}

func codes(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "`" + s + "`"
	}
	return strings.Join(out, ", ")
}
