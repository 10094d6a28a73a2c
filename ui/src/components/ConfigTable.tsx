/** A topology's (or a component's) config, key by key. */
export const ConfigTable = ({ config, label }: { readonly config: Readonly<Record<string, string>>; readonly label: string }) => {
  const entries = Object.entries(config).sort(([a], [b]) => a.localeCompare(b))
  if (entries.length === 0) return <p class="muted">{label}: nothing set.</p>
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={label}>
      <table class="config">
        <caption>{label}</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {entries.map(([k, v]) => (
            <tr key={k}>
              <th scope="row"><code>{k}</code></th>
              <td><code>{v}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
