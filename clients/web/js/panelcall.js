// A request sent from a panel (votes, agenda): the panel is busy while it runs, keeps the last
// error to show it, and records it in dh.errors unless it is one the panel explains itself.

export function plainError(e) {
  return { code: e && e.code ? String(e.code) : 'internal', message: e && e.message ? String(e.message) : String(e) };
}

export function panelCall(session, dh, { setBusy, setError, render, quiet = [] }) {
  return (type, fields) => {
    setBusy(true);
    render();
    return session.request(type, fields).then(
      (r) => {
        setBusy(false);
        setError(null);
        render();
        return r;
      },
      (e) => {
        setBusy(false);
        const err = plainError(e);
        setError(err);
        if (!quiet.includes(err.code)) dh.pushError({ code: err.code, message: `${type}: ${err.message}`, where: type });
        render();
        throw err;
      },
    );
  };
}
