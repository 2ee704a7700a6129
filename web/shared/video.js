// The self-hosted video call (browser WebRTC; the API relays the signalling at /video/ws).
// The seat connects to every party, a party to the seat only (a star over the room). Used by the
// citizen H5 and the seat console:
//   const call = new VideoCall({ role: "citizen" });
//   call.addEventListener("track", (e) => ...e.detail.id, e.detail.stream)
//   await call.join(access)          // access = the VideoAccess the API issued (token, identity)
//   call.switchCamera(); call.setMuted(true); call.leave(); await call.stats(id)
// Events: "local" (the own stream changed), "track", "peer-joined", "peer-left", "peer-state"
// (connection state or the peer's muted/camera state), "state" ({state: connecting | joined |
// dropped | replaced | over | left, code}).

const PING_MS = 5000;

export class VideoCall extends EventTarget {
  constructor({ role }) {
    super();
    this.role = role;
    this.localStream = null;
    this.peers = new Map(); // id -> { id, role, pc, stream, pending: [], state, remote: {} }
    this.ws = null;
    this.me = "";
    this.iceServers = [];
    this.icePolicy = "all";
    this.muted = false;
    this.facing = "user";
    this.state = "idle";
  }

  emit(type, detail = {}) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  setState(state, extra = {}) { this.state = state; this.emit("state", { state, ...extra }); }

  async openCamera(facing = this.facing) {
    if (this.localStream) return this.localStream;
    try {
      this.localStream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true },
        video: { facingMode: facing, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch (err) {
      try { // no camera (a seat's desktop): audio only
        this.localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      } catch { this.localStream = new MediaStream(); }
      this.emit("local", { stream: this.localStream, error: err.name });
      return this.localStream;
    }
    this.localStream.getAudioTracks().forEach((t) => (t.enabled = !this.muted));
    this.emit("local", { stream: this.localStream });
    return this.localStream;
  }

  /** Joins (or joins again, 继续处理) the room of `access`. */
  async join(access) {
    await this.openCamera();
    this.closeSocket();
    this.setState("connecting");
    // ?room= only routes: a proxy keeps one room on one API replica (deploy/nginx.conf); the
    // room itself comes from the signed token
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/video/ws?room=${encodeURIComponent(access.room_name)}`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: "join", token: access.token }));
    ws.onmessage = (e) => this.onMessage(JSON.parse(e.data));
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      clearInterval(this.pinger);
      this.closePeers();
      const state = e.code === 4409 ? "replaced" : e.code === 4410 ? "over" : this.state === "left" ? "left" : "dropped";
      this.setState(state, { code: e.code });
    };
    this.pinger = setInterval(() => this.send({ type: "ping" }), PING_MS);
  }

  send(message) { if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message)); }

  wants(peerRole) { return this.role === "seat" ? peerRole !== "seat" : peerRole === "seat"; }

  async onMessage(m) {
    if (m.type === "welcome") {
      this.me = m.you;
      this.iceServers = m.ice_servers || [];
      this.icePolicy = m.ice_transport_policy || "all";
      this.setState("joined");
      for (const p of m.peers) if (this.wants(p.role)) await this.connect(p, true);
      this.send({ type: "state", data: { muted: this.muted, facing: this.facing } });
    } else if (m.type === "peer-joined") {
      this.emit("peer-joined", m.peer);
      this.send({ type: "state", data: { muted: this.muted, facing: this.facing } });
    } else if (m.type === "peer-left") {
      this.drop(m.peer.id);
      this.emit("peer-left", m.peer);
    } else if (m.type === "signal") {
      await this.onSignal(m.from, m.data);
    } else if (m.type === "state") {
      const peer = this.peers.get(m.from);
      if (peer) peer.remote = m.data;
      this.emit("peer-state", { id: m.from, remote: m.data });
    }
  }

  peer(id, role) {
    let peer = this.peers.get(id);
    if (peer) return peer;
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, iceTransportPolicy: this.icePolicy });
    peer = { id, role, pc, stream: null, pending: [], state: "new", remote: {} };
    this.peers.set(id, peer);
    const tracks = this.localStream?.getTracks() || [];
    tracks.forEach((t) => pc.addTrack(t, this.localStream));
    if (!tracks.some((t) => t.kind === "video")) pc.addTransceiver("video", { direction: "recvonly" });
    if (!tracks.some((t) => t.kind === "audio")) pc.addTransceiver("audio", { direction: "recvonly" });
    pc.onicecandidate = (e) => { if (e.candidate) this.send({ type: "signal", to: id, data: { candidate: e.candidate.toJSON() } }); };
    pc.ontrack = (e) => {
      peer.stream = e.streams[0] || new MediaStream([e.track]);
      this.emit("track", { id, role: peer.role, stream: peer.stream });
    };
    pc.onconnectionstatechange = () => {
      peer.state = pc.connectionState;
      this.emit("peer-state", { id, state: pc.connectionState });
    };
    return peer;
  }

  async connect(p, offer) {
    const peer = this.peer(p.id, p.role);
    if (!offer) return;
    const description = await peer.pc.createOffer();
    await peer.pc.setLocalDescription(description);
    this.send({ type: "signal", to: p.id, data: { sdp: peer.pc.localDescription.toJSON() } });
  }

  async onSignal(from, data) {
    const role = from.includes("-seat-") ? "seat" : "citizen";
    if (!this.wants(role)) return;
    const peer = this.peer(from, role);
    const pc = peer.pc;
    if (data.sdp) {
      await pc.setRemoteDescription(data.sdp);
      for (const c of peer.pending.splice(0)) await pc.addIceCandidate(c).catch(() => {});
      if (data.sdp.type === "offer") {
        await pc.setLocalDescription(await pc.createAnswer());
        this.send({ type: "signal", to: from, data: { sdp: pc.localDescription.toJSON() } });
      }
    } else if (data.candidate) {
      if (pc.remoteDescription) await pc.addIceCandidate(data.candidate).catch(() => {});
      else peer.pending.push(data.candidate);
    }
  }

  drop(id) {
    const peer = this.peers.get(id);
    if (!peer) return;
    peer.pc.close();
    this.peers.delete(id);
  }

  closePeers() { for (const id of [...this.peers.keys()]) { this.drop(id); this.emit("peer-left", { id }); } }

  closeSocket() {
    if (!this.ws) return;
    const ws = this.ws;
    this.ws = null;
    clearInterval(this.pinger);
    try { ws.close(1000); } catch { /* already closed */ }
    this.closePeers();
  }

  /** Hang up (the camera stays open for 继续处理 unless `release`). */
  leave({ release = false } = {}) {
    this.setState("left");
    this.send({ type: "leave" });
    this.closeSocket();
    if (release) { this.localStream?.getTracks().forEach((t) => t.stop()); this.localStream = null; }
  }

  setMuted(muted) {
    this.muted = muted;
    this.localStream?.getAudioTracks().forEach((t) => (t.enabled = !muted));
    this.send({ type: "state", data: { muted, facing: this.facing } });
  }

  /** Front/back camera: the next camera of the device, or the other facing mode. */
  async switchCamera() {
    const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput");
    const current = this.localStream?.getVideoTracks()[0];
    const currentId = current?.getSettings().deviceId;
    const facing = this.facing === "user" ? "environment" : "user";
    let constraints;
    if (cameras.length > 1) {
      const i = cameras.findIndex((c) => c.deviceId === currentId);
      constraints = { deviceId: { exact: cameras[(i + 1) % cameras.length].deviceId } };
    } else constraints = { facingMode: facing };
    const fresh = (await navigator.mediaDevices.getUserMedia({ video: constraints, audio: false })).getVideoTracks()[0];
    for (const peer of this.peers.values()) {
      const sender = peer.pc.getSenders().find((s) => s.track?.kind === "video");
      if (sender) await sender.replaceTrack(fresh);
    }
    if (current) { this.localStream.removeTrack(current); current.stop(); }
    this.localStream.addTrack(fresh);
    this.facing = facing;
    this.send({ type: "state", data: { muted: this.muted, facing } });
    this.emit("local", { stream: this.localStream, cameras: cameras.length });
    return { cameras: cameras.length, facing, label: fresh.label };
  }

  /** Inbound video figures from one peer (framesDecoded > 0: pictures arrive and decode). */
  async stats(id) {
    const peer = this.peers.get(id);
    const out = { framesDecoded: 0, bytesReceived: 0, frameWidth: 0, frameHeight: 0, state: peer?.pc.connectionState || "none" };
    if (!peer) return out;
    (await peer.pc.getStats()).forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "video") {
        out.framesDecoded += r.framesDecoded || 0;
        out.bytesReceived += r.bytesReceived || 0;
        out.frameWidth = r.frameWidth || out.frameWidth;
        out.frameHeight = r.frameHeight || out.frameHeight;
      }
    });
    return out;
  }
}

/** Attaches a stream to a <video> (muted for the own picture) and starts it. */
export function play(video, stream, { muted = false } = {}) {
  if (video.srcObject !== stream) video.srcObject = stream;
  video.muted = muted;
  video.playsInline = true;
  video.autoplay = true;
  video.play().catch(() => { /* starts on the next user gesture */ });
}
