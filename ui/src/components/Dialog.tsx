/**
 * A modal dialog on the native `<dialog>`: the browser traps focus inside it, Escape closes it,
 * and focus returns to what opened it.
 */
import type { ComponentChildren } from "preact"
import { useEffect, useId, useRef } from "preact/hooks"

export const Dialog = ({ open, title, onClose, children }: {
  readonly open: boolean
  readonly title: string
  readonly onClose: () => void
  readonly children: ComponentChildren
}) => {
  const ref = useRef<HTMLDialogElement>(null)
  const id = useId()
  useEffect(() => {
    const d = ref.current
    if (d === null) return
    if (open && !d.open) d.showModal()
    if (!open && d.open) d.close()
  }, [open])
  return (
    <dialog ref={ref} aria-labelledby={id} onClose={onClose}>
      <h2 id={id}>{title}</h2>
      {open ? children : null}
    </dialog>
  )
}
