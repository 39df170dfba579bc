// What the camera scanner says, in Chinese (default) or English (the page's lang).
import { messages } from "/client/offline/messages.js";

const MESSAGES = {
  zh: {
    start: "打开相机扫码",
    stop: "关闭相机",
    torchOn: "打开手电筒",
    torchOff: "关闭手电筒",
    starting: "正在打开相机…",
    scanning: "请将条码放入框内",
    denied: "相机权限被拒绝。请在浏览器设置中允许本网站使用相机；也可以拍照识别或手动输入。",
    notFound: "没有找到可用的相机。请拍照识别或手动输入。",
    busy: "相机正被其他应用占用。请关闭其他使用相机的应用后重试，或拍照识别、手动输入。",
    inApp: "当前应用内浏览器无法打开相机。请点右上角“…”选择“在浏览器中打开”，或拍照识别、手动输入。",
    insecure: "需要通过 HTTPS 打开本页才能使用相机。请拍照识别或手动输入。",
    unsupported: "此浏览器无法打开相机。请拍照识别或手动输入。",
    failed: "相机打开失败。请拍照识别或手动输入。",
    noDetector: "扫码组件加载失败。请手动输入。",
    photo: "拍照识别",
    photoReading: "正在识别照片…",
    photoNone: "照片中没有识别到条码。请靠近一些重拍，或手动输入。",
    manualLabel: "手动输入",
    manualOk: "确定",
    read: "已识别",
  },
  en: {
    start: "Scan with camera",
    stop: "Stop camera",
    torchOn: "Torch on",
    torchOff: "Torch off",
    starting: "Opening the camera…",
    scanning: "Hold the code inside the frame",
    denied: "Camera permission was refused. Allow this site to use the camera in the browser settings, or take a photo, or type the code.",
    notFound: "No camera found. Take a photo or type the code.",
    busy: "Another app is using the camera. Close it and retry, or take a photo, or type the code.",
    inApp: "This in-app browser cannot open the camera. Open the page in the browser (menu “…”), or take a photo, or type the code.",
    insecure: "The camera needs the page to be opened over HTTPS. Take a photo or type the code.",
    unsupported: "This browser cannot open the camera. Take a photo or type the code.",
    failed: "The camera could not be opened. Take a photo or type the code.",
    noDetector: "The barcode reader could not load. Type the code.",
    photo: "Take a photo",
    photoReading: "Reading the photo…",
    photoNone: "No code found on the photo. Retake it closer, or type the code.",
    manualLabel: "Type the code",
    manualOk: "OK",
    read: "Read",
  },
};

const WORDS = messages(MESSAGES);

export function t(key) {
  return WORDS[key] ?? key;
}
