import { api } from "/web/shared/kc.js";

api("/app/config").then((c) => { document.getElementById("demo").hidden = !c.dev_login; }).catch(() => {});
