package checks

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"slices"
	"strings"
	"time"
)

// The reports are bilingual by design (a seller and a customs broker or
// marketplace reviewer read the same page), so their labels live here in
// both languages rather than in the console's catalogs, where only the
// negotiated language would be at hand.
var labels = map[string][2]string{
	"report":             {"Compliance check report", "合规检查报告"},
	"check":              {"Check", "检查编号"},
	"date":               {"Date", "日期"},
	"verdict":            {"Verdict", "结论"},
	"product":            {"Product", "商品"},
	"sku":                {"SKU", "SKU"},
	"hs_code":            {"HS code", "HS 编码"},
	"origin":             {"Origin", "原产国"},
	"markets":            {"Markets", "目标市场"},
	"transport":          {"Transport", "运输方式"},
	"none":               {"not given", "未指定"},
	"market":             {"Market", "市场"},
	"findings":           {"Findings", "检查结果"},
	"no_findings":        {"No rule applies to this product in this market.", "该市场没有适用于此商品的规则。"},
	"requirement":        {"Requirement", "要求"},
	"action":             {"What to do", "处理建议"},
	"missing_evidence":   {"Missing evidence (any one of each group)", "缺少的证明（每组任选其一）"},
	"missing_facts":      {"Facts to provide", "需补充的信息"},
	"limits":             {"Limits exceeded", "超出限值"},
	"triggered_by":       {"Applies because", "适用原因"},
	"evidence_shown":     {"Evidence on file", "已有证明"},
	"reference":          {"Legal reference", "法规依据"},
	"source":             {"Source", "来源"},
	"rule":               {"Rule", "规则"},
	"rules_used":         {"Rule versions used", "所用规则版本"},
	"rule_generation":    {"Rule set generation", "规则库版本"},
	"counts":             {"Findings by status", "结果统计"},
	"disclaimer":         {"This report applies the rule versions listed to the product data shown. It is not legal advice; check the official sources before shipping.", "本报告按所列规则版本对所示商品数据进行检查，不构成法律意见；发货前请核对官方来源。"},
	"inferred":           {"inferred", "推断"},
	"max":                {"max", "上限"},
	"provide":            {"provide", "填写于"},
	"order":              {"Order", "订单"},
	"verdict_prohibited": {"Prohibited", "禁止"},
	"verdict_fail":       {"Fail", "不合规"},
	"verdict_warn":       {"Warning", "需注意"},
	"verdict_pass":       {"Pass", "合规"},
	"status_fail":        {"Fail", "不合规"},
	"status_warn":        {"Warning", "需注意"},
	"status_pass":        {"Pass", "合规"},
	"sev_prohibited":     {"prohibited", "禁止"},
	"sev_restricted":     {"restricted", "限制"},
	"sev_documentation":  {"documentation", "文件"},
	"sev_labelling":      {"labelling", "标签"},
	"sev_info":           {"information", "信息"},
	"tr_air":             {"air", "空运"},
	"tr_sea":             {"sea", "海运"},
	"tr_rail":            {"rail", "铁路"},
	"tr_road":            {"road", "公路"},
	"tr_post":            {"post", "邮政"},
}

// bi is a text in the primary and the secondary language of a report.
type bi struct{ P, S string }

func label(key string, zh bool) bi {
	l, ok := labels[key]
	if !ok {
		return bi{P: key}
	}
	if zh {
		return bi{P: l[1], S: l[0]}
	}
	return bi{P: l[0], S: l[1]}
}

// texts returns a rule text in both languages: English from the rule,
// Chinese from its zh-CN translation when there is one.
func texts(en, zhText string, zh bool) bi {
	if zhText == "" || zhText == en {
		return bi{P: en}
	}
	if zh {
		return bi{P: zhText, S: en}
	}
	return bi{P: en, S: zhText}
}

type reportView struct {
	Zh        bool
	Lang      string
	L         func(string) bi
	C         Check
	Title     bi
	Verdict   bi
	Transport bi
	Created   string
	Markets   []marketView
	RulesUsed string
}

type marketView struct {
	Market   string
	Findings []findingView
}

type findingView struct {
	F                                 Finding
	Status, Severity                  bi
	Title, Requirement, Action        bi
	Triggers, Missing, Evidence, Lims []string
	MissingEvidence                   []string
}

func fmtValue(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = fmtValue(p)
		}
		return strings.Join(parts, ", ")
	case []string:
		return strings.Join(x, ", ")
	case json.Number:
		return x.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func buildView(c Check, zh bool) reportView {
	v := reportView{Zh: zh, Lang: "en", C: c}
	if zh {
		v.Lang = "zh-CN"
	}
	v.L = func(k string) bi { return label(k, zh) }
	v.Title = texts(c.Product.Title["en"], c.Product.Title["zh-CN"], zh)
	if v.Title.P == "" {
		v.Title = bi{P: titleOf(c.Product, "en")}
	}
	v.Verdict = label("verdict_"+c.Verdict, zh)
	if c.Transport != "" {
		v.Transport = label("tr_"+c.Transport, zh)
	} else {
		v.Transport = label("none", zh)
	}
	v.Created = c.CreatedAt.UTC().Format(time.DateTime + " UTC")
	for _, m := range c.Markets {
		mv := marketView{Market: m}
		for _, f := range c.Findings {
			if f.Market != m {
				continue
			}
			mv.Findings = append(mv.Findings, findingViewOf(f, zh))
		}
		v.Markets = append(v.Markets, mv)
	}
	var used []string
	for _, r := range c.Rules {
		used = append(used, fmt.Sprintf("%s v%d", r.ID, r.Version))
	}
	v.RulesUsed = strings.Join(used, ", ")
	return v
}

func findingViewOf(f Finding, zh bool) findingView {
	tr := f.Translations["zh-CN"]
	fv := findingView{F: f, Status: label("status_"+f.Status, zh), Severity: label("sev_"+f.Severity, zh),
		Title: texts(f.Title, tr.Title, zh), Requirement: texts(f.Requirement, tr.Requirement, zh),
		Action: texts(f.Action, tr.Action, zh)}
	inferred := label("inferred", zh).P
	for _, t := range f.TriggeredBy {
		s := fmt.Sprintf("%s = %s (%s)", t.Fact, fmtValue(t.Value), t.Source)
		if t.Inferred && !strings.HasPrefix(t.Source, "inferred") {
			s += " [" + inferred + "]"
		}
		fv.Triggers = append(fv.Triggers, s)
	}
	for _, m := range f.MissingFacts {
		fv.Missing = append(fv.Missing, fmt.Sprintf("%s — %s (%s: %s)", m.Fact, m.Description, label("provide", zh).P, m.Provide))
	}
	for _, g := range f.MissingEvidence {
		var alts []string
		for _, it := range g.AnyOf {
			alts = append(alts, fmt.Sprintf("%s (%s)", it.Name, it.Code))
		}
		fv.MissingEvidence = append(fv.MissingEvidence, strings.Join(alts, " / "))
	}
	for _, e := range f.Evidence {
		fv.Evidence = append(fv.Evidence, fmt.Sprintf("%s (%s)", e.Code, e.Source))
	}
	for _, l := range f.LimitsExceeded {
		fv.Lims = append(fv.Lims, fmt.Sprintf("%s = %g > %s %g (%s)", l.Fact, l.Value, label("max", zh).P, l.Max, l.Source))
	}
	return fv
}

//go:embed report.html.tmpl
var reportHTML string

var reportTmpl = template.Must(template.New("report").Parse(reportHTML))

// RenderHTML renders the printable report of c; zh puts Chinese first.
func RenderHTML(c Check, zh bool) ([]byte, error) {
	var b bytes.Buffer
	if err := reportTmpl.Execute(&b, buildView(c, zh)); err != nil {
		return nil, fmt.Errorf("checks: render report: %w", err)
	}
	return b.Bytes(), nil
}

// sortedFacts lists facts for the report's appendix.
func sortedFacts(m map[string]FactValue) []string {
	out := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, fmt.Sprintf("%s = %s (%s)", k, fmtValue(m[k].Value), m[k].Source))
	}
	return out
}
