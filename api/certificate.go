package api

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"talentflow/api/httpx"

	"github.com/labstack/echo/v4"

	"talentflow/internal/app/cases"
	"talentflow/internal/domain"
)

// certificateStyle is the certificate page's style sheet, inline so that the page prints on
// its own; the console's Content-Security-Policy allows exactly this text by its hash.
const certificateStyle = `
  @page { size: A4 landscape; margin: 18mm; }
  body { font-family: "Noto Serif CJK SC", "Songti SC", serif; color: #7a1c1c; }
  .frame { border: 6px double #b8860b; padding: 40px 60px; text-align: center; min-height: 150mm; }
  h1 { font-size: 44px; letter-spacing: 12px; margin: 10px 0 30px; }
  .no { text-align: right; font-size: 14px; color: #333; }
  .body { font-size: 22px; line-height: 2.2; color: #222; text-align: left; text-indent: 2em; margin: 30px 40px; }
  .name, .cat { font-weight: bold; color: #7a1c1c; }
  .issuer { text-align: right; font-size: 20px; margin-top: 40px; color: #222; }
  @media screen { body { background: #f4f1ea; } .frame { background: #fffdf7; max-width: 1000px; margin: 20px auto; } }
`

var certificatePage = template.Must(template.New("certificate").Funcs(template.FuncMap{
	"date": func(t time.Time) string { return t.In(domain.ChinaTime).Format("2006年1月2日") },
}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>人才认定证书 {{.No}}</title>
<style>{{.Style}}</style></head>
<body><div class="frame">
  <div class="no">证书编号：{{.No}}</div>
  <h1>人才认定证书</h1>
  <div class="body"><span class="name">{{.Name}}</span> 同志：经审核、公示，认定您为本县
    <span class="cat">{{.Category}}类（{{.CategoryLabel}}）</span>，享受相应人才政策待遇。特发此证。</div>
  <div class="issuer">县人才工作领导小组办公室<br>{{date .IssuedAt}}</div>
</div></body></html>`))

func (s *Server) certificate(c echo.Context) error {
	view, err := s.Cases.Certificate(c.Request().Context(), httpx.Principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	var b strings.Builder
	page := struct {
		cases.CertificateView
		Style template.CSS
	}{view, template.CSS(certificateStyle)}
	if err := certificatePage.Execute(&b, page); err != nil {
		return err
	}
	return c.HTML(http.StatusOK, b.String())
}

func urlEscape(s string) string { return url.PathEscape(s) }
