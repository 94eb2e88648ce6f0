package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// assetPrefix is where the static files are served.
const assetPrefix = "/static/"

// assets serves the embedded static files under names that carry a
// checksum of their content ("app.3f2a9c1b.css"): a release that changes a
// file changes its URL, so browsers may keep every URL for a year.
type assets struct {
	byURL  map[string]asset // "app.3f2a9c1b.css" → file
	byName map[string]string
}

type asset struct {
	body  []byte
	ctype string
}

func mustAssets() *assets {
	as := &assets{byURL: map[string]asset{}, byName: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		as.byURL[hashed] = asset{body: b, ctype: ctype}
		as.byName[name] = assetPrefix + hashed
		return nil
	})
	if err != nil {
		panic("console: static assets: " + err.Error())
	}
	return as
}

// URL returns the checksummed URL of a static file; an unknown name is a
// programming error and panics while the template renders, which the
// template tests catch.
func (as *assets) URL(name string) string {
	u, ok := as.byName[name]
	if !ok {
		panic("console: no static file " + name)
	}
	return u
}

func (as *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a, ok := as.byURL[strings.TrimPrefix(r.URL.Path, assetPrefix)]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
