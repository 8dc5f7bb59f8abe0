import type { Intrinsics } from '../metrics/tae.js';
import type { RgbImage } from '../metrics/types.js';
import type { Pose, Vec3 } from './camera.js';
import type { Box, Room, Scene, Sphere } from './scene.js';
import { albedo, type Material } from './texture.js';

export interface RenderedFrame {
  rgb: RgbImage;
  /** z-depth in metres: distance along the optical axis, not along the ray; 0 where the ray meets nothing (sky). */
  depth: Float32Array;
}

const EPS = 1e-9;

/**
 * The nearest hit so far, kept in one scratch record: this loop runs for every pixel of every frame, and a result
 * object per shape tested kept the garbage collector busy.
 */
interface Hit {
  t: number;
  /** Unit surface normal on the side the ray comes from. */
  nx: number;
  ny: number;
  nz: number;
  material: Material | undefined;
  /** The ray direction being traced (scratch, reused for every pixel). */
  dir: Float64Array;
}

function sphereHit(s: Sphere, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, hit: Hit): void {
  const px = ox - s.centre[0];
  const py = oy - s.centre[1];
  const pz = oz - s.centre[2];
  const a = dx * dx + dy * dy + dz * dz;
  const b = px * dx + py * dy + pz * dz;
  const c = px * px + py * py + pz * pz - s.radius * s.radius;
  const disc = b * b - a * c;
  if (disc < 0) return;
  const t = (-b - Math.sqrt(disc)) / a;
  if (t <= EPS || t >= hit.t) return;
  hit.t = t;
  hit.nx = (px + t * dx) / s.radius;
  hit.ny = (py + t * dy) / s.radius;
  hit.nz = (pz + t * dz) / s.radius;
  hit.material = s.material;
}

/**
 * Slab test against an axis-aligned box. From outside (a box) the ray enters through the face that sets the largest
 * entry parameter; from inside (a room) it leaves through the face that sets the smallest exit parameter.
 */
function boxHit(s: Box | Room, o: Vec3, d: Float64Array, hit: Hit): void {
  let tNear = -Infinity;
  let tFar = Infinity;
  let nearAxis = 0;
  let farAxis = 0;
  for (let k = 0; k < 3; k++) {
    const dk = d[k];
    if (Math.abs(dk) < EPS) {
      if (o[k] < s.min[k] || o[k] > s.max[k]) return;
      continue;
    }
    const t1 = (s.min[k] - o[k]) / dk;
    const t2 = (s.max[k] - o[k]) / dk;
    const lo = t1 < t2 ? t1 : t2;
    const hi = t1 < t2 ? t2 : t1;
    if (lo > tNear) {
      tNear = lo;
      nearAxis = k;
    }
    if (hi < tFar) {
      tFar = hi;
      farAxis = k;
    }
  }
  let t = tNear;
  let axis = nearAxis;
  let material: Material;
  if (s.kind === 'box') {
    if (tNear > tFar || tNear <= EPS) return;
    material = s.material;
  } else {
    if (tFar <= EPS || tFar === Infinity) return;
    const face = 2 * farAxis + (d[farAxis] > 0 ? 1 : 0);
    if (s.openTop && face === 3) return;
    t = tFar;
    axis = farAxis;
    material = s.faces[face];
  }
  if (t >= hit.t) return;
  const sign = d[axis] > 0 ? -1 : 1;
  hit.t = t;
  hit.nx = axis === 0 ? sign : 0;
  hit.ny = axis === 1 ? sign : 0;
  hit.nz = axis === 2 ? sign : 0;
  hit.material = material;
}

/**
 * Shades the ray of camera pixel (u, v) (sub-pixel allowed) into out = [depth, r, g, b]. The camera-space direction
 * has z = 1, so the ray parameter of the nearest hit is the z-depth itself. Lambert shading: ambient + a directional
 * light + a little headlight so faces turned away from the light keep their texture; no shadows.
 */
function shadeRay(scene: Scene, pose: Pose, K: Intrinsics, u: number, v: number, hit: Hit, out: Float64Array): void {
  const cx = (u - K.cx) / K.fx;
  const cy = (v - K.cy) / K.fy;
  const R = pose.R;
  const o = pose.t;
  const d = hit.dir;
  d[0] = R[0] * cx + R[1] * cy + R[2];
  d[1] = R[3] * cx + R[4] * cy + R[5];
  d[2] = R[6] * cx + R[7] * cy + R[8];
  hit.t = Infinity;
  hit.material = undefined;
  for (const s of scene.shapes) {
    if (s.kind === 'sphere') sphereHit(s, o[0], o[1], o[2], d[0], d[1], d[2], hit);
    else boxHit(s, o, d, hit);
  }
  if (!hit.material) {
    out.set([0, ...scene.sky]);
    return;
  }
  const { t, nx, ny, nz } = hit;
  const px = o[0] + t * d[0];
  const py = o[1] + t * d[1];
  const pz = o[2] + t * d[2];
  // texture coordinates in metres on the plane the surface faces most
  const ax = Math.abs(nx);
  const ay = Math.abs(ny);
  const az = Math.abs(nz);
  const xAxis = ax >= ay && ax >= az;
  const yAxis = !xAxis && ay >= az;
  albedo(hit.material, xAxis ? pz : px, xAxis || !yAxis ? py : pz, out);
  const L = scene.light;
  const lambert = Math.max(0, nx * L[0] + ny * L[1] + nz * L[2]);
  const head = Math.max(0, -(nx * d[0] + ny * d[1] + nz * d[2]) / Math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]));
  const shade = 0.25 + 0.55 * lambert + 0.3 * head;
  out[0] = t;
  out[1] *= shade;
  out[2] *= shade;
  out[3] *= shade;
}

const newHit = (): Hit => ({ t: Infinity, nx: 0, ny: 0, nz: 0, material: undefined, dir: new Float64Array(3) });

/** Depth (0 = no surface) and colour (RGB in 0..1) seen through camera pixel (u, v); sub-pixel positions allowed. */
export function castRay(scene: Scene, pose: Pose, K: Intrinsics, u: number, v: number): { depth: number; colour: Vec3 } {
  const out = new Float64Array(4);
  shadeRay(scene, pose, K, u, v, newHit(), out);
  return { depth: out[0], colour: [out[1], out[2], out[3]] };
}

const toByte = (c: number): number => Math.max(0, Math.min(255, Math.round(c * 255)));

/** Renders one frame: RGB and z-depth for every pixel centre. Pure: same inputs, same bytes. */
export function renderFrame(scene: Scene, pose: Pose, K: Intrinsics, width: number, height: number): RenderedFrame {
  const rgb = new Uint8Array(width * height * 3);
  const depth = new Float32Array(width * height);
  const hit = newHit();
  const out = new Float64Array(4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      shadeRay(scene, pose, K, x, y, hit, out);
      const i = y * width + x;
      depth[i] = out[0];
      rgb[3 * i] = toByte(out[1]);
      rgb[3 * i + 1] = toByte(out[2]);
      rgb[3 * i + 2] = toByte(out[3]);
    }
  }
  return { rgb: { data: rgb, width, height }, depth };
}
