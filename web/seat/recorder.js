// The call recording of the seat console: every party's video drawn side by side on a canvas
// (with the case number and the time), every voice mixed, recorded by MediaRecorder and uploaded
// chunk by chunk while the call runs (api/recordings.py): a dropped connection or a closed page
// loses no more than the chunk being recorded; a chunk that fails to upload is retried in order.
import { api, sleep } from "/web/shared/kc.js";

const CHUNK_MS = 3000;
const WIDTH = 960;
const HEIGHT = 540;
const FPS = 10;

export class CallRecorder extends EventTarget {
  constructor({ caseNumber, auth, tiles }) {
    super();
    this.caseNumber = caseNumber;
    this.auth = auth;
    this.tiles = tiles; // () => [{ video, label }]
    this.queue = [];
    this.index = 0;
    this.bytes = 0;
    this.failures = 0;
    this.sources = new Map();
    this.stopped = false;
  }

  base() { return `/seat/cases/${this.caseNumber}/recordings`; }

  emit() { this.dispatchEvent(new CustomEvent("progress", { detail: this.status() })); }

  status() {
    return { uploadId: this.uploadId, chunks: this.index, bytes: this.bytes, pending: this.queue.length, failures: this.failures, recording: this.recorder?.state === "recording" };
  }

  /** Finishes what an earlier page of this seat left unfinished (closed tab, lost network). */
  static async finishLeftovers(caseNumber, auth) {
    const list = await api(`/seat/cases/${caseNumber}/recordings`, { auth });
    const done = [];
    for (const r of list) {
      if (!r.finished && r.bytes > 0) done.push(await api(`/seat/cases/${caseNumber}/recordings/${r.upload_id}/finish`, { method: "POST", auth }));
    }
    return done;
  }

  async start() {
    const mimeType = ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"].find((t) => MediaRecorder.isTypeSupported(t));
    const upload = await api(this.base(), { method: "POST", auth: this.auth, body: { mime_type: mimeType || "video/webm" } });
    this.uploadId = upload.upload_id;
    this.canvas = Object.assign(document.createElement("canvas"), { width: WIDTH, height: HEIGHT });
    this.ctx = this.canvas.getContext("2d");
    this.audio = new AudioContext();
    this.mix = this.audio.createMediaStreamDestination();
    this.drawer = setInterval(() => this.draw(), 1000 / FPS);
    this.draw();
    const stream = new MediaStream([...this.canvas.captureStream(FPS).getVideoTracks(), ...this.mix.stream.getAudioTracks()]);
    this.recorder = new MediaRecorder(stream, { mimeType, videoBitsPerSecond: 600_000, audioBitsPerSecond: 48_000 });
    this.recorder.ondataavailable = (e) => { if (e.data.size) { this.queue.push(e.data); this.pump(); } };
    this.stoppedRecording = new Promise((resolve) => { this.recorder.onstop = resolve; });
    this.recorder.start(CHUNK_MS);
    this.emit();
  }

  /** Adds a participant's voice to the mix (their picture comes from the tiles). */
  addAudio(id, stream) {
    if (!this.audio || this.sources.has(id) || !stream.getAudioTracks().length) return;
    const source = this.audio.createMediaStreamSource(stream);
    source.connect(this.mix);
    this.sources.set(id, source);
  }

  removeAudio(id) { this.sources.get(id)?.disconnect(); this.sources.delete(id); }

  draw() {
    const { ctx } = this;
    const tiles = this.tiles().filter((t) => t.video.readyState >= 2);
    ctx.fillStyle = "#0e1624";
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    const n = Math.max(1, tiles.length);
    const cols = n <= 1 ? 1 : n <= 4 ? 2 : 3;
    const rows = Math.ceil(n / cols);
    const w = WIDTH / cols;
    const hgt = (HEIGHT - 28) / rows;
    tiles.forEach((t, i) => {
      const x = (i % cols) * w;
      const y = 28 + Math.floor(i / cols) * hgt;
      ctx.drawImage(t.video, x, y, w, hgt);
      ctx.fillStyle = "rgba(0,0,0,.6)";
      ctx.fillRect(x + 6, y + hgt - 26, Math.min(w - 12, 12 + t.label.length * 14), 20);
      ctx.fillStyle = "#fff";
      ctx.font = "14px sans-serif";
      ctx.fillText(t.label, x + 12, y + hgt - 11);
    });
    ctx.fillStyle = "#0b4ea2";
    ctx.fillRect(0, 0, WIDTH, 28);
    ctx.fillStyle = "#fff";
    ctx.font = "15px sans-serif";
    const now = new Date().toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hourCycle: "h23" });
    ctx.fillText(`快处 案件 ${this.caseNumber}   ${now}`, 10, 19);
  }

  async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length) {
        const blob = this.queue[0];
        try {
          const out = await api(`${this.base()}/${this.uploadId}/chunks/${this.index}`, { method: "PUT", raw: blob, auth: this.auth });
          this.queue.shift();
          this.index = out.chunks;
          this.bytes = out.bytes;
          this.failures = 0;
        } catch (err) {
          if (err.code === "CHUNK_OUT_OF_ORDER" && err.problem.expected_index !== undefined) { this.index = err.problem.expected_index; continue; }
          this.failures += 1;
          this.emit();
          await sleep(Math.min(10000, 500 * 2 ** Math.min(this.failures, 5)));
        }
        this.emit();
      }
    } finally { this.pumping = false; }
  }

  /** Stops, uploads what is left and stores the recording as evidence (its SHA-256 returned). */
  async stop() {
    if (this.stopped) return this.result;
    this.stopped = true;
    if (this.recorder?.state === "recording") { this.recorder.requestData(); this.recorder.stop(); await this.stoppedRecording; }
    clearInterval(this.drawer);
    for (let i = 0; i < 600 && (this.queue.length || this.pumping); i++) { this.pump(); await sleep(100); }
    this.audio?.close();
    this.result = this.bytes > 0 ? await api(`${this.base()}/${this.uploadId}/finish`, { method: "POST", auth: this.auth }) : null;
    this.emit();
    return this.result;
  }
}
