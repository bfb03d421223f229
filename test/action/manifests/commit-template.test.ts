import { test } from "node:test";
import assert from "node:assert/strict";
import { renderCommitMessage, type CommitTemplateData } from "../../../action/manifests/commit-template.ts";

const data: CommitTemplateData = {
  automation: { namespace: "flux-system", name: "flux-system" },
  changes: [
    { file: "shop/shop-deployment.yml", object: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "product" }, oldValue: "r/shop/product:20210608071959", newValue: "r/shop/product:20210608081922", setter: "flux-system:product" },
    { file: "shop/shop-deployment.yml", object: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "account" }, oldValue: "r/shop/account:1", newValue: "r/shop/account:2", setter: "flux-system:account" },
    { file: "shop/other.yml", object: { apiVersion: "batch/v1", kind: "CronJob", namespace: "shop", name: "account-report" }, oldValue: "r/shop/account:1", newValue: "r/shop/account:2", setter: "flux-system:account" },
  ],
  values: { env: "prod" },
};

test("the seed's literal template renders unchanged", () => {
  assert.equal(renderCommitMessage("An automated update from FluxBot\n[ci skip]\n", data, "t"), "An automated update from FluxBot\n[ci skip]\n");
});

test("Flux's documented template renders files, objects and changes; `-}}` eats every following blank, as Go does", () => {
  const tpl = `Automated image update

Automation name: {{ .AutomationObject }}

Files:
{{ range $filename, $_ := .Changed.FileChanges -}}
- {{ $filename }}
{{ end -}}

Objects:
{{ range $resource, $changes := .Changed.Objects -}}
- {{ $resource.Kind | lower }} {{ $resource.Name }}
  Changes:
  {{- range $_, $change := $changes }}
    - {{ $change.OldValue }} -> {{ $change.NewValue }}
  {{- end }}
{{ end -}}
`;
  assert.equal(
    renderCommitMessage(tpl, data, "t"),
    `Automated image update

Automation name: flux-system/flux-system

Files:
- shop/other.yml
- shop/shop-deployment.yml
Objects:
- cronjob account-report
  Changes:
    - r/shop/account:1 -> r/shop/account:2
- deployment account
  Changes:
    - r/shop/account:1 -> r/shop/account:2
- deployment product
  Changes:
    - r/shop/product:20210608071959 -> r/shop/product:20210608081922
`,
  );
});

test("nested range over FileChanges, Changes (deduplicated), Values, if/else and len", () => {
  const tpl =
    "{{range $f, $objects := .Changed.FileChanges}}{{$f}}:{{range $resource, $changes := $objects}} {{$resource.Kind}} {{$resource.Name}}({{range $_, $c := $changes}}{{$c.NewValue}}{{end}}){{end}}\n{{end}}" +
    "{{len .Changed.Changes}} unique{{range .Changed.Changes}} {{.Setter}}{{end}}\n" +
    "{{if eq .Values.env \"prod\"}}PROD{{else if .Values.env}}other{{else}}none{{end}} {{.Values.missing}}";
  assert.equal(
    renderCommitMessage(tpl, data, "t"),
    "shop/other.yml: CronJob account-report(r/shop/account:2)\nshop/shop-deployment.yml: Deployment account(r/shop/account:2) Deployment product(r/shop/product:20210608081922)\n" +
      "2 unique flux-system:product flux-system:account\nPROD <no value>",
  );
});

test("removed and unknown fields are errors naming the field and line, never empty output", () => {
  assert.throws(() => renderCommitMessage("x\n{{ .Updated.Images }}", data, "ImageUpdateAutomation/flux-system/a"), /^SlipwayError: ImageUpdateAutomation\/flux-system\/a:2: \.Updated is not supported/);
  assert.throws(() => renderCommitMessage("{{ .Changed.ImageResult }}", data, "t"), /\.Changed\.ImageResult is not supported/);
  assert.throws(() => renderCommitMessage("{{ range .Changed.Changes }}{{ .Image }}{{ end }}", data, "t"), /\.Image is not supported: Change has OldValue, NewValue, Setter/);
  assert.throws(() => renderCommitMessage("{{ .AutomationObject | shout }}", data, "t"), /function "shout" not defined/); // Go's reason
  assert.throws(() => renderCommitMessage("{{ if .Values }}open", data, "t"), /missing \{\{end\}\}/);
  assert.throws(() => renderCommitMessage("{{ .Values.env", data, "t"), /unclosed action/);
});

test("comments, with/else, variables, printf, parentheses and pipes behave as in Go", () => {
  const tpl =
    "{{/* a comment */}}{{- with .Values.env }}env={{ . }}{{ else }}no env{{ end }};" +
    "{{ $n := len .Changed.Changes }}{{ printf \"%d change(s), %s\" $n (index .Values \"env\" | upper) }};" +
    "{{ range $i, $c := .Changed.Changes }}{{ if $i }},{{ end }}{{ $c.Setter | trimPrefix \"flux-system:\" }}{{ end }};" +
    "{{ with .Values.none }}x{{ else }}empty{{ end }};{{ range .Values.none }}x{{ else }}nothing{{ end }}";
  assert.equal(renderCommitMessage(tpl, data, "t"), "env=prod;2 change(s), PROD;product,account;empty;nothing");
});
