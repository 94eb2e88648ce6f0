package ledger

import "github.com/silkgate/silkgate/internal/platform/web"

func webPage() web.Page { return web.Page{Limit: web.MaxLimit} }
