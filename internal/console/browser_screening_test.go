package console_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"github.com/silkgate/silkgate/internal/identity"
)

// screeningList is a one-entry EU list in the JSON Lines form.
const screeningList = `{"logical_id": "13", "subject_type": "person", "names": [{"whole_name": "Vladimir Vladimirovich PUTIN", "strong": true}, {"whole_name": "Владимир Владимирович Путин", "strong": true}], "citizenships": ["RU"]}
`

// TestBrowserScreening screens a name in the console, sees the match with
// its score and the alias that matched, and clears the review case it
// opened from the queue.
func TestBrowserScreening(t *testing.T) {
	env := sqlite(t)
	fsys := fstest.MapFS{"eu.jsonl": {Data: []byte(screeningList)}}
	if _, err := env.App.Sanctions.Import(env.Ctx, fsys, "eu.jsonl", sanctions.ImportOptions{Format: sanctions.FormatEUJSONL}); err != nil {
		t.Fatal(err)
	}
	ctx := tab(t, browserLimit)
	browserSignIn(t, ctx, env, env.User(env.Tenant("Yiwu Bright Toys"), identity.Operator))

	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/compliance/screening"),
		chromedp.WaitVisible(chromedp.ID("screen-name")),
		chromedp.SendKeys(chromedp.ID("screen-name"), "Путин Владимир"),
		chromedp.Click(chromedp.CSS(`#screen-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("screen-matches")),
	), "screen a name")
	matches, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("screen-matches")))
	must(t, err, "matches")
	cases, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("screen-cases")))
	must(t, err, "cases")
	for _, want := range []string{"eu_fsf", "Vladimir Vladimirovich PUTIN", "Владимир Владимирович Путин", "0.9"} {
		if !strings.Contains(matches, want) {
			t.Errorf("matches lack %q: %s", want, matches)
		}
	}
	if !strings.Contains(cases, "Путин Владимир") {
		t.Errorf("case queue lacks the party: %s", cases)
	}

	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#screen-cases input[name="note"]`), "different person"),
		chromedp.Click(chromedp.CSS(`#screen-cases button[value="clear"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert-ok`)),
	), "clear the case")
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.alert-ok`)))
	must(t, err, "notice")
	if !strings.Contains(notice, "Case cleared") {
		t.Errorf("notice %q", notice)
	}
	empty, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#screen-cases") === null`))
	must(t, err, "queue empty")
	if !empty {
		t.Error("the cleared case is still in the open queue")
	}

	// Screening the same party again shows the match as cleared, in Chinese.
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.nav-foot a[hreflang="zh-CN"]`)),
		chromedp.WaitReady(chromedp.CSS(`html[lang="zh-CN"]`)),
		chromedp.WaitVisible(chromedp.ID("screen-name")),
		chromedp.SendKeys(chromedp.ID("screen-name"), "Vladimir Putin"),
		chromedp.Click(chromedp.CSS(`#screen-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("screen-matches")),
	), "screen again")
	again, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("screen-result")))
	must(t, err, "second result")
	if !strings.Contains(again, "此前已排除") || strings.Contains(again, "复核案件 scase") {
		t.Errorf("second screening: %s", again)
	}
}
