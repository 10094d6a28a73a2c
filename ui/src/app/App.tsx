/**
 * The frame of every page: a skip link, the header (home, live refresh, the access token) and the
 * page the location names.
 */
import { useEffect, useRef } from "preact/hooks"
import { TokenButton } from "../components/TokenDialog.js"
import { parseRoute } from "../model/Address.js"
import { ListPage } from "../pages/ListPage.js"
import { ProcessPage } from "../pages/ProcessPage.js"
import { TopologyPage } from "../pages/TopologyPage.js"
import { setLive, useLive } from "./Live.js"
import { Link, useLocation } from "./Router.js"

const LiveToggle = () => {
  const live = useLive()
  return (
    <label class="live">
      <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} />
      Live refresh
    </label>
  )
}

export const App = () => {
  const { pathname } = useLocation()
  const route = parseRoute(pathname)
  const main = useRef<HTMLElement>(null)
  const first = useRef(true)
  // After a navigation, focus moves to the new page (as a full load would put it at the top).
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    main.current?.focus({ preventScroll: true })
  }, [pathname])
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <Link class="brand" href="/">
          <span aria-hidden="true">▲</span> Heron
        </Link>
        <nav aria-label="Main">
          <Link href="/" aria-current={route.page === "list" ? "page" : undefined}>Topologies</Link>
        </nav>
        <div class="top-tools">
          <LiveToggle />
          <TokenButton />
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {route.page === "list" ? <ListPage /> : null}
        {route.page === "topology" ? <TopologyPage key={pathname} address={route.address} /> : null}
        {route.page === "container" ? <ProcessPage key={pathname} address={route.address} target={{ kind: "container", container: route.container }} /> : null}
        {route.page === "instance" ? <ProcessPage key={pathname} address={route.address} target={{ kind: "instance", instance: route.instance }} /> : null}
        {route.page === "missing"
          ? (
            <section>
              <h1>Not found</h1>
              <p>Nothing lives at <code>{route.path}</code>. <Link href="/">See every topology</Link>.</p>
            </section>
          )
          : null}
      </main>
    </>
  )
}
